"""Every scenario file ingests with its shipped mapping; counts match truth.json."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import select
from tests.ingest.conftest import count

from pasienis.ingest import ImportResult, list_entries, load_scenario
from pasienis.ingest.models import import_runs, quarantine
from pasienis.model.events import (
    border_crossings,
    declarations,
    goods_items,
    plate_reads,
    violations,
)
from pasienis.model.models import statements
from pasienis.model.plates import normalise_plate
from pasienis.store import Store


def _results(store: Store, folder: Path) -> dict[str, ImportResult]:
    loaded = load_scenario(store, folder=folder, created_by="tester")
    assert all(isinstance(r, ImportResult) for _l, r in loaded), loaded
    return dict(loaded)  # type: ignore[arg-type]


def _entities(store: Store, dataset: str, schema: str) -> int:
    with store.read() as conn:
        rows = conn.execute(
            select(statements.c.entity_id).where(
                statements.c.dataset == dataset,
                statements.c.schema == schema,
                statements.c.prop == "id",
            )
        ).all()
    return len({r[0] for r in rows})


def test_scenario_counts_match_truth(
    store: Store, scenario_dir: Path, truth: dict[str, Any]
) -> None:
    results = _results(store, scenario_dir)
    files = truth["files"]
    assert count(store, border_crossings) == files["crossings.csv"]["good"]
    assert count(store, plate_reads) == files["plate_reads.csv"]["good"]
    assert count(store, violations) == files["violations.csv"]["good"]
    assert count(store, declarations) == files["declarations.xml"]["good"]
    bad_lrns = {m["record"] for m in truth["malformed"] if m["file"] == "declarations.xml"}
    assert len(bad_lrns) == files["declarations.xml"]["bad"]
    # Goods items only of good declarations: one per <GoodsItem> element outside the bad ones.
    text = (scenario_dir / "declarations.xml").read_text(encoding="utf-8")
    blocks = text.split("<Declaration ")[1:]
    good_items = sum(b.count("<GoodsItem ") for b in blocks if b.split('"')[1] not in bad_lrns)
    assert count(store, goods_items) == good_items

    # Entities: one company per register row, one watchlist entry each, a checkpoint per code.
    assert (
        _entities(store, "scenario_companies", "Company")
        == files["companies.xlsx:Companies"]["good"]
    )
    assert (
        _entities(store, "scenario_watchlist", "Person")
        + _entities(store, "scenario_watchlist", "Vehicle")
        == files["watchlist.jsonl"]["good"]
    )
    officers = _entities(store, "scenario_officers", "Directorship") + _entities(
        store, "scenario_officers", "Ownership"
    )
    assert officers == files["companies.xlsx:Officers"]["good"]
    with (scenario_dir / "crossings.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert _entities(store, "scenario_crossings", "BorderCheckpoint") == len(
        {r["checkpoint_code"] for r in rows}
    )
    plates = {normalise_plate(r["vehicle_plate"]) for r in rows if r["vehicle_plate"]}
    assert _entities(store, "scenario_crossings", "Vehicle") == len(plates)

    # Quarantine: exactly the planted bad declarations, plus the truncation of the cut file.
    with store.read() as conn:
        entries = list_entries(conn, limit=1000)
    by_file: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        by_file.setdefault(e["source_name"], []).append(e)
    assert len(by_file["declarations.xml"]) == files["declarations.xml"]["bad"]
    assert {e["record"]["fields"]["@lrn"] for e in by_file["declarations.xml"]} == bad_lrns
    reasons = {e["reason"] for e in by_file["declarations.xml"]}
    assert "mandatory value is missing" in reasons
    assert any("is not a number" in r for r in reasons)
    [cut] = by_file["declarations_truncated.xml"]
    assert "not well-formed" in cut["reason"]
    assert set(by_file) == {"declarations.xml", "declarations_truncated.xml"}
    # The run records say who, what and how many.
    decl = results["declarations.xml (declarations.yml)"].run
    assert decl["created_by"] == "tester"
    assert (decl["records"], decl["quarantined"]) == (300, files["declarations.xml"]["bad"])


def test_reimport_changes_nothing(store: Store, scenario_dir: Path) -> None:
    _results(store, scenario_dir)
    before = {
        t.name: count(store, t) for t in (statements, border_crossings, quarantine, import_runs)
    }
    again = _results(store, scenario_dir)
    assert {r.status for r in again.values()} == {"unchanged"}
    after = {
        t.name: count(store, t) for t in (statements, border_crossings, quarantine, import_runs)
    }
    assert after == before


def test_cross_file_identity(store: Store, scenario_dir: Path) -> None:
    """A company code and a plate give the same entity id in every file that names them."""
    _results(store, scenario_dir)
    with store.read() as conn:
        rows = conn.execute(
            select(statements.c.entity_id, statements.c.dataset).where(
                statements.c.prop == "registrationNumber"
            )
        ).all()
    datasets_per_id: dict[str, set[str]] = {}
    for entity_id, dataset in rows:
        datasets_per_id.setdefault(entity_id, set()).add(dataset)
    assert any(
        {"scenario_companies", "scenario_declarations"} <= d for d in datasets_per_id.values()
    )
    assert any({"scenario_crossings", "scenario_watchlist"} <= d for d in datasets_per_id.values())
