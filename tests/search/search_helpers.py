"""Helpers of the search tests: entities written as statements, then indexed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.search import index_entities
from pasienis.store import Store

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def put(store: Store, entity_id: str, schema: str, props: dict[str, Any], dataset: str) -> None:
    """Write one entity's statements in ``dataset`` and index it."""
    prov = Provenance(dataset, T0, run_id=f"run-{dataset}", locator=f"{dataset}:{entity_id}")
    with store.begin() as conn:
        write_statements(store, conn, entity_statements(entity_id, schema, props, prov))
        index_entities(store, conn, [entity_id])


def put_many(store: Store, entities: list[tuple[str, str, dict[str, Any], str]]) -> None:
    """:func:`put` for several ``(entity_id, schema, props, dataset)`` in one transaction and
    one index call, as an import's batch is indexed."""
    rows = []
    for entity_id, schema, props, dataset in entities:
        prov = Provenance(dataset, T0, run_id=f"run-{dataset}", locator=f"{dataset}:{entity_id}")
        rows += entity_statements(entity_id, schema, props, prov)
    with store.begin() as conn:
        write_statements(store, conn, rows)
        index_entities(store, conn, [e[0] for e in entities])
