"""Graph context of importers, read through the real graph of a store: companies tied by a
shared director, seizures near them, co-travel with a watchlisted truck — and features that
count only what was known before each line's cutoff."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from pasienis.graph import GraphService
from pasienis.model.events import violations
from pasienis.model.ids import make_id
from pasienis.model.service import write_statements
from pasienis.model.statements import Provenance, entity_statements
from pasienis.risk.features import build_features, fit_stats
from pasienis.risk.graphctx import graph_facts
from pasienis.security.compartments import register_dataset
from pasienis.store import Store

DS = "register"
SEEN = datetime(2026, 1, 1, tzinfo=UTC)


def _put(store: Store, key: str, schema: str, props: dict) -> str:
    prov = Provenance(DS, SEEN, locator=f"{DS}:{key}")
    with store.begin() as conn:
        write_statements(store, conn, entity_statements(make_id(DS, key), schema, props, prov))
    return make_id(DS, key)


def test_shared_director_and_a_seizure_reach_the_importer(store: Store) -> None:
    importer = _put(store, "C1", "Company", {"name": "UAB Importas"})
    sister = _put(store, "C2", "Company", {"name": "UAB Sesuo"})
    loner = _put(store, "C3", "Company", {"name": "UAB Vienas"})
    boss = _put(store, "P1", "Person", {"name": "Jonas Bosas"})
    for key, org in (("D1", importer), ("D2", sister)):
        _put(store, key, "Directorship", {"director": boss, "organization": org})
    with store.begin() as conn:
        register_dataset(conn, name=DS)
        conn.execute(violations.insert(), [{
            "id": "v1", "occurred_at": datetime(2026, 3, 10, tzinfo=UTC), "dataset": DS,
            "category": "cigarettes", "person_id": boss, "lat": 54.5, "lon": 25.7}])  # fmt: skip
    frame = pd.DataFrame({
        "id": ["a", "b", "c"], "importer": [importer, importer, loner],
        "date": pd.to_datetime(["2026-02-01", "2026-04-01", "2026-04-01"]),
        "vehicle": ["", "", ""], "hs_code": ["24022090"] * 3, "origin": ["BY"] * 3,
        "office": ["LTMD2000"] * 3, "declarant": ["", "", ""], "seller": ["", "", ""],
        "value": [100.0] * 3, "mass": [10.0] * 3, "quantity": [np.nan] * 3,
        "label": [np.nan, np.nan, np.nan],
    })  # fmt: skip
    with store.read() as conn:
        facts = graph_facts(GraphService(store), conn, frame, datasets=frozenset({DS}))
    assert (importer, sister) in facts.links
    assert not any(p == loner for p, _ in facts.links)
    assert facts.degree[importer] >= 1
    x = build_features(frame, fit_stats(frame), known_before=np.full(3, 10**6), graph=facts)
    # The seizure of 10 March counts for the April line only; the loner has none.
    assert x["graph_seizure_links"].tolist() == [0.0, 1.0, 0.0]
    # With outcomes: the sister's earlier irregular declaration is an offender link.
    both = pd.concat([frame, frame.iloc[[0]].assign(id="s", importer=sister, label=1.0,
                                                   date=pd.Timestamp("2026-03-01"))],
                     ignore_index=True)  # fmt: skip
    x2 = build_features(both, fit_stats(both), known_before=np.full(4, 10**6), graph=facts)
    assert x2["graph_offender_links"].tolist()[:3] == [0.0, 1.0, 0.0]
