"""The store's declarations as the canonical frame: one row per goods item.

Why per item: the fraud sits on a line (an undervalued item, a cover CN code), and public
history files are per line too. A declaration's score is its highest line's. Parties are the
entity ids the declaration names (declarant, consignor as seller, consignee as importer), so
history features and graph context meet the same ids a history file maps to with
``party_namespace``. Reads only live imports, through the caller's dataset grants.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from pasienis.model import live
from pasienis.model.events import declarations, goods_items


def declaration_lines(
    conn: Connection,
    *,
    datasets: frozenset[str] | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pd.DataFrame:
    d, g = declarations, goods_items
    q = (
        select(
            d.c.id.label("declaration_id"),
            d.c.reference,
            d.c.occurred_at,
            d.c.office_code,
            d.c.declarant_id,
            d.c.consignor_id,
            d.c.consignee_id,
            d.c.vehicle_id,
            d.c.dataset,
            d.c.attributes,
            g.c.item_no,
            g.c.cn_code,
            g.c.origin_country,
            g.c.net_mass_kg,
            g.c.statistical_value,
        )
        .join(g, g.c.declaration_id == d.c.id)
        .where(live(d), live(g))
        .order_by(d.c.occurred_at, d.c.id, g.c.item_no)
    )
    if datasets is not None:
        q = q.where(d.c.dataset.in_(sorted(datasets)))
    if since is not None:
        q = q.where(d.c.occurred_at >= since)
    if until is not None:
        q = q.where(d.c.occurred_at < until)
    rows = conn.execute(q).mappings().all()

    def text(v: object) -> str:
        return "" if v is None else str(v)

    frame = pd.DataFrame(
        {
            "id": [f"{r['declaration_id']}#{r['item_no']}" for r in rows],
            "declaration_id": [r["declaration_id"] for r in rows],
            "reference": [(r["attributes"] or {}).get("@lrn") or r["reference"] for r in rows],
            "dataset": [r["dataset"] for r in rows],
            "date": pd.to_datetime([r["occurred_at"] for r in rows], utc=True)
            .tz_convert("Europe/Vilnius")
            .tz_localize(None)
            .normalize(),
            "office": [text(r["office_code"]) for r in rows],
            "importer": [text(r["consignee_id"]) for r in rows],
            "declarant": [text(r["declarant_id"]) for r in rows],
            "seller": [text(r["consignor_id"]) for r in rows],
            "vehicle": [text(r["vehicle_id"]) for r in rows],
            "hs_code": [text(r["cn_code"]) for r in rows],
            "origin": [text(r["origin_country"]) for r in rows],
            "value": np.array([r["statistical_value"] for r in rows], dtype=float),
            "mass": np.array([r["net_mass_kg"] for r in rows], dtype=float),
            "quantity": np.full(len(rows), np.nan),
            "label": np.full(len(rows), np.nan),
            "revenue": np.full(len(rows), np.nan),
        }
    )
    frame["line"] = np.arange(len(frame))
    return frame
