"""Entities are the fold of their statements; the resolver merges without rewriting them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pasienis.errors import NotFoundError
from pasienis.model import Provenance, entity_statements, load_entity, write_statements
from pasienis.model.models import resolver, statements
from pasienis.store import Store

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def put(store: Store, entity_id: str, schema: str, props: dict, dataset: str, locator: str) -> None:
    prov = Provenance(dataset, T0, run_id=f"run-{dataset}", locator=locator)
    with store.begin() as conn:
        write_statements(store, conn, entity_statements(entity_id, schema, props, prov))


def test_entity_is_assembled_from_statements_with_provenance(store: Store) -> None:
    put(
        store, "p1", "Person", {"name": "Jonas Žukauskas", "nationality": "LT"}, "border", "x.csv:4"
    )
    put(store, "p1", "Person", {"birthDate": "1979-04-12"}, "border", "x.csv:9")
    with store.read() as conn:
        entity = load_entity(conn, "p1")
        rows = conn.execute(select(statements).where(statements.c.prop == "nationality")).all()
    assert entity.schema.name == "Person"
    assert entity.get("name") == ["Jonas Žukauskas"]
    assert entity.get("birthDate") == ["1979-04-12"]
    assert {s.origin for s in entity.statements if s.prop != "id"} == {"x.csv:4", "x.csv:9"}
    assert rows[0].value == "lt"
    assert rows[0].original_value == "LT"
    assert rows[0].dataset == "border"
    assert rows[0].run_id == "run-border"


def test_merge_and_split_change_only_the_resolver(store: Store) -> None:
    put(store, "a", "Person", {"name": "Aleksandr Ivanov"}, "border", "b.csv:2")
    put(store, "b", "LegalEntity", {"name": "Aleksandras Ivanovas", "phone": "+37061234567"},
        "register", "r.xlsx:Officers!3")  # fmt: skip
    with store.read() as conn:
        before = conn.execute(select(statements).order_by(statements.c.id)).all()
    with store.begin() as conn:
        conn.execute(resolver.insert(), [
            {"entity_id": "a", "canonical_id": "NK-1", "updated_at": T0},
            {"entity_id": "b", "canonical_id": "NK-1", "updated_at": T0},
        ])  # fmt: skip
    with store.read() as conn:
        merged = load_entity(conn, "a")
        via_other = load_entity(conn, "b")
        register_only = load_entity(conn, "NK-1", datasets=["register"])
    assert merged.id == via_other.id == "NK-1"
    assert merged.schema.name == "Person", "common schema of Person and LegalEntity"
    assert sorted(merged.get("name")) == ["Aleksandr Ivanov", "Aleksandras Ivanovas"]
    assert register_only.get("name") == ["Aleksandras Ivanovas"], "compartment filter"
    with store.begin() as conn:
        conn.execute(resolver.delete().where(resolver.c.entity_id == "b"))
    with store.read() as conn:
        split = load_entity(conn, "a")
        after = conn.execute(select(statements).order_by(statements.c.id)).all()
    assert split.get("name") == ["Aleksandr Ivanov"]
    assert before == after, "statements are never rewritten by a merge or split"


def test_unknown_entity_is_not_found(store: Store) -> None:
    with store.read() as conn, pytest.raises(NotFoundError):
        load_entity(conn, "nope")
