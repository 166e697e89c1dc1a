"""Score the store's declarations, keep the scores, raise alerts for the high ones.

A declaration's score is its highest-scoring goods line (with that line's explanation). A
score at or above the threshold raises a watch alert of kind ``risk`` in the same
transaction as the score, so the alerts inbox, its WebSocket and "turn into a task" work for
risk exactly as for watchlist hits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, func, select

from pasienis.graph import GraphService
from pasienis.jobs import publish_in
from pasienis.model import make_id
from pasienis.model.events import declarations
from pasienis.risk.declarations import declaration_lines
from pasienis.risk.errors import RiskNotFoundError
from pasienis.risk.graphctx import graph_facts
from pasienis.risk.model import RiskModel
from pasienis.risk.rules import RuleSet
from pasienis.risk.score import score
from pasienis.risk.tables import risk_scores
from pasienis.store import Store
from pasienis.watch.alerts import ALERT_COLUMNS, TOPIC, alert_id
from pasienis.watch.models import watch_alerts

COLUMNS = tuple(c.name for c in risk_scores.columns)


def score_store(
    store: Store,
    *,
    model: RiskModel | None,
    rules: RuleSet | None,
    datasets: frozenset[str],
    actor: str,
    threshold: float = 0.8,
    graph: GraphService | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Score every visible declaration (optionally in a time window); returns a summary."""
    with store.read() as conn:
        frame = declaration_lines(conn, datasets=datasets, since=since, until=until)
        facts = graph_facts(graph, conn, frame, datasets=datasets) if graph and len(frame) else None
        places = _place(conn, sorted(set(frame["declaration_id"])))
    if frame.empty:
        return {"declarations": 0, "lines": 0, "alerts": 0, "drift": None}
    result = score(frame, model=model, rules=rules, graph=facts)
    table = result.table.assign(declaration_id=frame["declaration_id"].to_numpy())
    best = table.groupby("declaration_id")["score"].idxmax()
    stamp = datetime.now(UTC)
    drift = result.drift.level if result.drift else None
    rows, alerts = [], []
    for decl_id, i in best.items():
        line = frame.iloc[int(i)]
        expl = result.explain(int(i))
        prob = float(table.loc[i, "probability"])
        sid = make_id(
            "risk-score", decl_id, model.id if model else "-", rules.digest if rules else "-"
        )
        alert = None
        if prob >= threshold:
            alert = _alert(line, expl, prob, model, rules, stamp, places.get(decl_id))
            alerts.append(alert)
        rows.append(
            {
                "id": sid[-64:],
                "declaration_id": decl_id,
                "reference": line["reference"],
                "dataset": line["dataset"],
                "occurred_at": line["date"].to_pydatetime().replace(tzinfo=UTC),
                "score": float(table.loc[i, "score"]),
                "probability": prob,
                "model_id": model.id if model else None,
                "rules_version": rules.version if rules else None,
                "rules_digest": rules.digest if rules else None,
                "explanation": expl,
                "drift": drift,
                "alert_id": alert["id"] if alert else None,
                "scored_by": actor,
                "scored_at": stamp,
            }
        )
    with store.begin() as conn:
        ids = [r["id"] for r in rows]
        for start in range(0, len(ids), 500):
            conn.execute(delete(risk_scores).where(risk_scores.c.id.in_(ids[start : start + 500])))
        store.bulk_insert(conn, risk_scores, COLUMNS, [tuple(r[c] for c in COLUMNS) for r in rows])
        new = _new_alerts(conn, alerts)
        if new:
            store.bulk_insert(
                conn, watch_alerts, ALERT_COLUMNS, [tuple(a[c] for c in ALERT_COLUMNS) for a in new]
            )
            publish_in(conn, topic=TOPIC, payload={"alert_ids": [a["id"] for a in new]})
    return {
        "declarations": len(rows),
        "lines": len(frame),
        "alerts": len(new),
        "above_threshold": len(alerts),
        "drift": result.drift.to_dict() if result.drift else None,
    }


def _alert(
    line: pd.Series,
    expl: dict[str, Any],
    prob: float,
    model: RiskModel | None,
    rules: RuleSet | None,
    stamp: datetime,
    place: tuple[float, float] | None,
) -> dict[str, Any]:
    entry_id = "risk:" + (model.id if model else "rules") + ":" + (rules.digest if rules else "-")
    reasons = [r["reason"] for r in expl["rules"]] or [
        f"model: {', '.join(t['feature'] for t in expl['features'][:3])}"
    ]
    record = {
        "kind": "declaration",
        "id": line["declaration_id"],
        "dataset": line["dataset"],
        "reference": line["reference"],
        "hs_code": line["hs_code"],
        "origin": line["origin"],
        "importer_id": line["importer"],
        "vehicle_id": line["vehicle"] or None,
        "explanation": expl,
    }
    entry = {
        "id": entry_id,
        "name": f"Risk {line['reference']}",
        "reason": "; ".join(reasons),
        "identifiers": [],
        "entity_id": line["importer"] or None,
    }
    return {
        "id": alert_id(entry_id, "declaration", line["declaration_id"], line["dataset"]),
        "entry_id": entry_id[:64],
        "list_id": "risk",
        "entry_dataset": line["dataset"],
        "kind": "risk",
        "record_kind": "declaration",
        "record_id": line["declaration_id"],
        "record_dataset": line["dataset"],
        "run_id": None,
        "score": prob,
        "matched": [
            {"field": r["id"], "value": r["reason"], "listed": None, "score": r["weight"]}
            for r in expl["rules"]
        ],
        "evidence": {"record": record, "entry": entry},
        "priority": 1 if prob >= 0.95 else 2,
        "status": "open",
        "status_reason": None,
        "status_by": None,
        "status_at": None,
        "occurred_at": line["date"].to_pydatetime().replace(tzinfo=UTC),
        "lat": place[0] if place else None,
        "lon": place[1] if place else None,
        "created_at": stamp,
    }


def _new_alerts(conn: Connection, alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not alerts:
        return []
    ids = [a["id"] for a in alerts]
    seen: set[str] = set()
    for start in range(0, len(ids), 500):
        q = select(watch_alerts.c.id).where(watch_alerts.c.id.in_(ids[start : start + 500]))
        seen.update(conn.execute(q).scalars())
    return [a for a in alerts if a["id"] not in seen]


def _place(conn: Connection, decl_ids: list[str]) -> dict[str, tuple[float, float]]:
    """Where each declaration was lodged (when known): where a unit would inspect it."""
    d, out = declarations, {}
    for start in range(0, len(decl_ids), 500):
        q = select(d.c.id, d.c.lat, d.c.lon).where(
            d.c.id.in_(decl_ids[start : start + 500]), d.c.lat.is_not(None)
        )
        out.update({i: (lat, lon) for i, lat, lon in conn.execute(q)})
    return out


def list_scores(
    conn: Connection,
    *,
    datasets: frozenset[str] | None,
    min_probability: float = 0.0,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    q = select(risk_scores).where(risk_scores.c.probability >= min_probability)
    if datasets is not None:
        q = q.where(risk_scores.c.dataset.in_(sorted(datasets)))
    total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = (
        conn.execute(
            q.order_by(risk_scores.c.score.desc(), risk_scores.c.id).limit(limit).offset(offset)
        )
        .mappings()
        .all()
    )
    return {"total": total, "items": [_public(r) for r in rows]}


def get_scores(
    conn: Connection, *, declaration_id: str, datasets: frozenset[str] | None
) -> list[dict[str, Any]]:
    q = select(risk_scores).where(risk_scores.c.declaration_id == declaration_id)
    if datasets is not None:
        q = q.where(risk_scores.c.dataset.in_(sorted(datasets)))
    rows = conn.execute(q.order_by(risk_scores.c.scored_at.desc())).mappings().all()
    if not rows:
        raise RiskNotFoundError(f"no risk score for declaration {declaration_id!r}")
    return [_public(r) for r in rows]


def _public(row: Any) -> dict[str, Any]:
    out = dict(row)
    for k in ("occurred_at", "scored_at"):
        if out.get(k) is not None:
            out[k] = out[k].isoformat()
    out["score"] = float(np.round(out["score"], 6))
    return out
