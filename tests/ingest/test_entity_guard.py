"""The entity guard: an import acting for a user adds no statement to an entity the user
cannot see — on both engines, through merges, in a real import."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pasienis.ingest import run_import
from pasienis.ingest.access import EntityGuard
from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.model.models import resolver
from pasienis.security import ForbiddenError, Role, principal_for_user
from pasienis.security.principals import PrincipalKind
from pasienis.security.provision import provision
from pasienis.security.users import get_user
from pasienis.store import Store

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def put(store: Store, entity_id: str, name: str, dataset: str) -> None:
    prov = Provenance(dataset, T0, run_id=f"run-{dataset}", locator=f"{dataset}:1")
    with store.begin() as conn:
        rows = entity_statements(entity_id, "Person", {"name": [name]}, prov)
        write_statements(store, conn, rows)


def test_foreign_means_existing_and_wholly_invisible(store: Store) -> None:
    put(store, "only-b", "B only", "ds_b")
    put(store, "only-a", "A only", "ds_a")
    put(store, "merged-a", "A half", "ds_a")
    put(store, "merged-b", "B half", "ds_b")
    put(store, "hidden-1", "B one", "ds_b")
    put(store, "hidden-2", "B two", "ds_b")
    with store.begin() as conn:
        conn.execute(resolver.insert(), [
            {"entity_id": "merged-a", "canonical_id": "NK-1", "updated_at": T0},
            {"entity_id": "merged-b", "canonical_id": "NK-1", "updated_at": T0},
            {"entity_id": "hidden-1", "canonical_id": "NK-2", "updated_at": T0},
            {"entity_id": "hidden-2", "canonical_id": "NK-2", "updated_at": T0},
        ])  # fmt: skip
    guard = EntityGuard(frozenset({"ds_a"}))
    asked = ["only-b", "only-a", "merged-a", "merged-b", "NK-1", "NK-2", "hidden-1", "new-1"]
    with store.read() as conn:
        foreign = guard.foreign(conn, asked)
    # NK-1 is partly visible (merged-a), so it and its members may be added to; NK-2 and its
    # members are wholly in "ds_b"; an id nobody has used is new, not foreign.
    assert foreign == {"only-b", "NK-2", "hidden-1"}


def test_an_import_for_a_user_quarantines_lines_about_unseen_entities(
    store: Store, tmp_path: Path
) -> None:
    put(store, "theirs-1", "Their Person", "ds_b")
    with store.begin() as conn:
        provision(conn, name="ana", roles=[Role.analyst], datasets=["ds_b"])
        provision(conn, name="ben", roles=[Role.analyst], datasets=[])
        acting = principal_for_user(conn, get_user(conn, name="ben").id, PrincipalKind.user)
    lines = [
        {"id": "theirs-1", "schema": "Person", "properties": {"name": ["Injected"]}},
        {"id": "mine-1", "schema": "Person", "properties": {"name": ["My Person"]}},
    ]
    source = tmp_path / "in.ftm.json"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = run_import(store, source=source, fmt="ftm", dataset="c_ds", acting=acting)
    assert (result.run["entities"], result.run["quarantined"]) == (1, 1)
    from pasienis.ingest import list_entries
    from pasienis.model import load_entity

    with store.read() as conn:
        (entry,) = list_entries(conn, dataset="c_ds")
        assert entry["value"] == "theirs-1"
        assert entry["locator"] == "in.ftm.json:1"
        assert entry["record"]["properties"]["name"] == ["Injected"]
        assert load_entity(conn, "theirs-1").to_dict()["properties"]["name"] == ["Their Person"]
        assert load_entity(conn, "mine-1", datasets=["c_ds"]).caption == "My Person"
    # ben now owns c_ds; he may not write to ds_b (ana's read grant does not make it his).
    with pytest.raises(ForbiddenError):
        run_import(store, source=source, fmt="ftm", dataset="ds_b", acting=acting)
