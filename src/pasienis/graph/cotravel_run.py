"""Running co-travel detection over a dataset's plate reads (and crossings) and storing pairs.

Checkpoint crossings count as reads at that checkpoint (camera ``checkpoint:<id>``, the
plate of the crossing vehicle): a convoy that crosses the border together is seen there as
on any road camera. A pair's compartment is every dataset its supporting reads come from
(``datasets``), so a pair resting on crossings is visible only to who may read both.
Re-running replaces the pairs of the run's plate-read dataset (idempotent) and publishes
``graph.cotravel.updated`` so projections re-derive the co-travel edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select

from pasienis.graph.cotravel import CoTravelParams, Pair, Reads, detect
from pasienis.graph.models import graph_cotravel
from pasienis.jobs import publish_in
from pasienis.model import live
from pasienis.model.events import border_crossings, plate_reads
from pasienis.model.ids import make_id
from pasienis.model.models import statements
from pasienis.store import Store

TOPIC = "graph.cotravel.updated"


@dataclass
class Loaded:
    """Reads as arrays plus, per read, its event id and dataset (by code)."""

    reads: Reads
    ids: list[str]
    cameras: list[str]
    dataset: np.ndarray
    dataset_names: list[str]


def _crossing_rows(conn: Any, dataset: str) -> list[tuple[str, str, datetime, str]]:
    """(id, camera, time, plate) of a dataset's live crossings with a vehicle; the plate is
    the vehicle's registration number (live statements)."""
    b, s = border_crossings.c, statements.c
    plate = (
        select(s.entity_id, s.value).where(s.prop == "registrationNumber", live(statements))
        .subquery()
    )  # fmt: skip
    query = (
        select(b.id, b.checkpoint_id, b.occurred_at, plate.c.value)
        .join(plate, plate.c.entity_id == b.vehicle_id)
        .where(b.dataset == dataset, b.vehicle_id.is_not(None), live(border_crossings))
    )  # fmt: skip
    seen: set[str] = set()  # a vehicle with two registration numbers: its first reading wins
    rows = []
    for rid, checkpoint, at, value in conn.execute(query.order_by(b.id, plate.c.value)):
        if rid not in seen:
            seen.add(rid)
            rows.append((rid, f"checkpoint:{checkpoint or '?'}", at, value))
    return rows


def load_reads(store: Store, dataset: str, crossings: Sequence[str] = ()) -> Loaded:
    """Live plate reads of ``dataset`` and live crossings of the ``crossings`` datasets."""
    c = plate_reads.c
    query = select(c.id, c.camera_id, c.occurred_at, c.plate).where(
        c.dataset == dataset, live(plate_reads)
    )
    names = [dataset, *[d for d in crossings if d != dataset]]
    ids, cams, times, plates, sets = [], [], [], [], []
    with store.read() as conn:
        parts = [(0, list(conn.execute(query)))]
        parts += [(names.index(d), _crossing_rows(conn, d)) for d in dict.fromkeys(crossings)]
        for code, rows in parts:
            for rid, cam, at, plate in rows:
                ids.append(rid)
                cams.append(cam)
                times.append(int(at.timestamp()))
                plates.append(plate)
                sets.append(code)
    cam_names, codes = np.unique(np.array(cams, dtype=object), return_inverse=True) if cams \
        else (np.zeros(0, object), np.zeros(0, np.int64))  # fmt: skip
    reads = Reads(codes.astype(np.int64), np.array(times, np.int64), np.array(plates, object))
    return Loaded(reads, ids, [str(n) for n in cam_names], np.array(sets, np.int64), names)


def _row(pair: Pair, loaded: Loaded, now: datetime) -> dict[str, Any]:
    dataset = loaded.dataset_names[0]
    used = sorted({loaded.dataset_names[int(loaded.dataset[i])] for i in pair.reads} or
                  {dataset})  # fmt: skip
    return {
        "id": make_id(dataset, "cotravel", pair.leader, pair.follower)[-40:],
        "dataset": dataset, "datasets": used,
        "leader_plate": pair.leader, "follower_plate": pair.follower,
        "score": pair.score, "occasions": pair.occasions, "co_passages": pair.co_passages,
        "first_at": datetime.fromtimestamp(pair.first, UTC),
        "last_at": datetime.fromtimestamp(pair.last, UTC),
        "read_ids": [loaded.ids[i] for i in pair.reads], "computed_at": now,
    }  # fmt: skip


def run_cotravel(
    store: Store, *, dataset: str, crossings: Sequence[str] = (),
    params: CoTravelParams | None = None, min_score: float | None = None,
) -> list[Pair]:  # fmt: skip
    """Detect, store (replacing the dataset's previous pairs) and announce co-travel pairs.

    ``crossings``: datasets of border crossings whose vehicles count as read at the
    checkpoint. ``min_score``: keep only pairs from this score (None: the ``top`` ranked
    pairs; 0 keeps the pairs of which fewer than one is expected by chance, docs/graph.md)."""
    loaded = load_reads(store, dataset, crossings)
    pairs = [p for p in detect(loaded.reads, params) if min_score is None or p.score >= min_score]
    now = datetime.now(UTC)
    with store.begin() as conn:
        c = graph_cotravel.c
        old = list(conn.execute(select(c.leader_plate, c.follower_plate)
                                .where(graph_cotravel.c.dataset == dataset)))  # fmt: skip
        conn.execute(delete(graph_cotravel).where(graph_cotravel.c.dataset == dataset))
        if pairs:
            conn.execute(insert(graph_cotravel), [_row(p, loaded, now) for p in pairs])
        plates = sorted(
            {x for r in old for x in r} | {x for p in pairs for x in (p.leader, p.follower)}
        )
        publish_in(conn, topic=TOPIC, payload={"dataset": dataset, "pairs": len(pairs),
                                               "plates": plates})  # fmt: skip
    return pairs


def pair_datasets(row: Any) -> tuple[str, ...]:
    """The datasets a stored pair needs (rows from before ``datasets`` existed: its own)."""
    found = row.datasets if hasattr(row, "datasets") else row.get("datasets")
    own = row.dataset if hasattr(row, "dataset") else row["dataset"]
    return tuple(sorted(found)) if found else (own,)


def stored_pairs(store: Store, *, datasets: frozenset[str], limit: int = 100) -> list[dict]:
    """Stored pairs whose every dataset is visible, best first."""
    c = graph_cotravel.c
    query = select(graph_cotravel).where(c.dataset.in_(sorted(datasets)))
    out: list[dict] = []
    with store.read() as conn:
        for r in conn.execute(query.order_by(c.score.desc())):
            if set(pair_datasets(r)) <= datasets:
                out.append(dict(r._mapping))
                if len(out) >= limit:
                    break
    return out
