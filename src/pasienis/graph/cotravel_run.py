"""Running co-travel detection over the plate reads of a dataset and storing the pairs.

One dataset at a time, so every pair (and the edge it becomes) belongs to exactly one
compartment. Re-running replaces the dataset's pairs (idempotent) and publishes
``graph.cotravel.updated`` so projections re-derive the co-travel edges.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select

from pasienis.graph.cotravel import CoTravelParams, Pair, Reads, detect
from pasienis.graph.models import graph_cotravel
from pasienis.jobs import publish_in
from pasienis.model import live
from pasienis.model.events import plate_reads
from pasienis.model.ids import make_id
from pasienis.store import Store

TOPIC = "graph.cotravel.updated"


def load_reads(store: Store, dataset: str) -> tuple[Reads, list[str], list[str]]:
    """Reads of ``dataset`` as arrays, plus read ids and camera ids (by code)."""
    c = plate_reads.c
    query = select(c.id, c.camera_id, c.occurred_at, c.plate).where(
        c.dataset == dataset, live(plate_reads)
    )
    ids, cams, times, plates = [], [], [], []
    with store.read() as conn:
        for rid, cam, at, plate in conn.execute(query):
            ids.append(rid)
            cams.append(cam)
            times.append(int(at.timestamp()))
            plates.append(plate)
    names, codes = np.unique(np.array(cams, dtype=object), return_inverse=True) if cams else \
        (np.zeros(0, object), np.zeros(0, np.int64))  # fmt: skip
    reads = Reads(codes.astype(np.int64), np.array(times, np.int64), np.array(plates, object))
    return reads, ids, [str(n) for n in names]


def _row(pair: Pair, dataset: str, ids: list[str], now: datetime) -> dict[str, Any]:
    return {
        "id": make_id(dataset, "cotravel", pair.leader, pair.follower)[-40:],
        "dataset": dataset, "leader_plate": pair.leader, "follower_plate": pair.follower,
        "score": pair.score, "occasions": pair.occasions, "co_passages": pair.co_passages,
        "first_at": datetime.fromtimestamp(pair.first, UTC),
        "last_at": datetime.fromtimestamp(pair.last, UTC),
        "read_ids": [ids[i] for i in pair.reads], "computed_at": now,
    }  # fmt: skip


def run_cotravel(
    store: Store, *, dataset: str, params: CoTravelParams | None = None, min_score: float = 0.0
) -> list[Pair]:
    """Detect, store (replacing the dataset's previous pairs) and announce co-travel pairs."""
    reads, ids, _cams = load_reads(store, dataset)
    pairs = [p for p in detect(reads, params) if p.score >= min_score]
    now = datetime.now(UTC)
    with store.begin() as conn:
        c = graph_cotravel.c
        old = list(conn.execute(select(c.leader_plate, c.follower_plate)
                                .where(graph_cotravel.c.dataset == dataset)))  # fmt: skip
        conn.execute(delete(graph_cotravel).where(graph_cotravel.c.dataset == dataset))
        if pairs:
            conn.execute(insert(graph_cotravel), [_row(p, dataset, ids, now) for p in pairs])
        plates = sorted(
            {x for r in old for x in r} | {x for p in pairs for x in (p.leader, p.follower)}
        )
        publish_in(conn, topic=TOPIC, payload={"dataset": dataset, "pairs": len(pairs),
                                               "plates": plates})  # fmt: skip
    return pairs


def stored_pairs(store: Store, *, datasets: frozenset[str], limit: int = 100) -> list[dict]:
    """Stored pairs of the visible datasets, best first."""
    c = graph_cotravel.c
    query = select(graph_cotravel).where(c.dataset.in_(sorted(datasets)))
    with store.read() as conn:
        rows = conn.execute(query.order_by(c.score.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]
