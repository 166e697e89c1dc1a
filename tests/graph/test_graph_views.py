"""Views (a grant set's node and edge masks) are updated after deltas, not recomputed, and
equal a fresh computation after imports, merges, splits and retractions."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import delete, insert

from pasienis.graph import GraphService, visibility
from pasienis.graph.visibility import make_view
from pasienis.jobs import Bus
from pasienis.model.models import resolver, retracted_runs
from pasienis.store import Store

from .conftest import A, B, crossing, put

GRANTS = (frozenset({A, B}), frozenset({A}), frozenset({B}))


def _check(svc: GraphService) -> None:
    for grants in GRANTS:
        with svc.view(grants) as view:
            fresh = make_view(view.projection, grants)
            assert view.version == view.projection.version
            assert np.array_equal(view.node_ok, fresh.node_ok)
            assert np.array_equal(view.edge_ok, fresh.edge_ok)


def test_views_follow_deltas_incrementally(
    store: Store, world: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = GraphService(store, refresh_interval=0)
    svc.build()
    _check(svc)
    computed: list[frozenset[str]] = []
    real = visibility.make_view

    def counting(projection, datasets):  # the real computation, counted
        computed.append(datasets)
        return real(projection, datasets)

    monkeypatch.setattr(visibility, "make_view", counting)
    van = put(store, B, "V2", "Vehicle", {"registrationNumber": "ABC123"}, run_id="run-b")
    crossing(store, B, "X30", world["ivan"], van, 20, run_id="run-b")
    put(store, A, "P8", "Person", {"name": "Ona", "phone": "+37061234567"}, run_id="run-a")
    Bus(store).publish("statements.retracted", {"entity_ids": [van, world["ivan"]]})
    _check(svc)
    now = datetime.now(UTC)
    with store.begin() as conn:  # a merge across compartments, then a split
        conn.execute(
            insert(resolver).values(
                entity_id=world["ivan"], canonical_id=world["petras"], updated_at=now
            )
        )
    _check(svc)  # fmt: skip
    with store.begin() as conn:
        conn.execute(delete(resolver).where(resolver.c.entity_id == world["ivan"]))
    _check(svc)
    with store.begin() as conn:  # retraction (published nowhere; the refresh diffs it)
        conn.execute(insert(retracted_runs).values(run_id="run-b", dataset=B,
                                                   retracted_at=now))  # fmt: skip
    _check(svc)
    assert svc.projection().version >= 4
    assert computed == []  # every view after the build was an update
