"""The facts behind an edge: statements, events or plate reads, as a court would ask for them.

Evidence is read from the store with the same link definitions that built the edge
(:mod:`pasienis.graph.links`), restricted to the members of both endpoints and to the
datasets the caller may see, so what is shown is what the edge was made of.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pasienis.graph import links, mentions
from pasienis.graph.visibility import View


def edge_evidence(
    conn: Connection, view: View, e: int, *, shared_cap: int, limit: int = 1000
) -> list[dict[str, Any]]:
    """Evidence rows of edge ``e`` (visible datasets only), oldest first, at most ``limit``."""
    p = view.projection
    rel = p.relations.names[p.rel[e]]
    srcs = p.members(p.node_ids[p.src[e]])
    dsts = p.members(p.node_ids[p.dst[e]])
    parts = p.key_parts[int(p.key[e])]
    datasets = frozenset(parts & view.datasets)
    event_rels = {r for *_x, r in links.EVENT_LINKS}
    if rel in event_rels:
        found = links.event_evidence(conn, rel, srcs, dsts, datasets)
    elif rel == "co_travel":
        found = links.cotravel_evidence(conn, srcs, dsts, datasets)
    elif rel in mentions.RELATIONS:
        found = mentions.mention_evidence(conn, rel, srcs, dsts, datasets)
    elif rel.startswith("shares_"):
        found = links.shared_evidence(conn, rel, srcs, dsts, datasets, cap=shared_cap)
    else:
        found = links.statement_evidence(conn, rel, srcs, dsts, datasets)
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for ev in found:
        if (ev.kind, ev.id) in seen or ev.dataset not in view.datasets:
            continue
        seen.add((ev.kind, ev.id))
        out.append({"kind": ev.kind, "id": ev.id, "source": ev.src, "target": ev.dst,
                    "relation": ev.rel, "dataset": ev.dataset, "locator": ev.locator,
                    "at": ev.at.isoformat() if ev.at else None, "detail": ev.detail})  # fmt: skip
        if len(out) >= limit:
            break
    return out
