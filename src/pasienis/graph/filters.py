"""Query filters applied to edges while walking (never to a finished result)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from pasienis.graph.projection import UNDATED
from pasienis.graph.visibility import View


@dataclass(frozen=True)
class EdgeFilter:
    """Which edges and neighbours a walk may use.

    ``schemata`` limits the nodes reached (the start nodes always count); ``relations`` the
    edge types; an edge is inside ``[since, until]`` when its time span overlaps it (undated
    relations, e.g. a directorship without dates, pass unless ``dated_only``).
    """

    schemata: frozenset[str] = frozenset()
    relations: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    min_weight: float = 0.0
    dated_only: bool = False


def keep(view: View, f: EdgeFilter, nbr: np.ndarray, eid: np.ndarray) -> np.ndarray:
    """Boolean mask over gathered (neighbour, edge) slots: visible and inside the filter."""
    p = view.projection
    ok = view.edge_ok[eid]
    if f.relations:
        codes = [p.relations.index[r] for r in f.relations if r in p.relations.index]
        ok &= np.isin(p.rel[eid], np.array(codes, np.int16))
    if f.min_weight > 0:
        ok &= p.weight[eid] >= f.min_weight
    if f.since is not None or f.until is not None or f.dated_only:
        t0, t1 = p.t_first[eid], p.t_last[eid]
        undated = t0 == UNDATED
        inside = np.ones(len(eid), bool)
        if f.since is not None:
            inside &= t1 >= int(f.since.timestamp())
        if f.until is not None:
            inside &= t0 <= int(f.until.timestamp())
        ok &= (inside & ~undated) | (undated & (not f.dated_only))
    if f.schemata:
        codes = [p.schemata.index[s] for s in f.schemata if s in p.schemata.index]
        ok &= np.isin(p.node_schema[nbr], np.array(codes, np.int32))
    return ok


def neighbours(
    view: View, f: EdgeFilter, nodes: np.ndarray, head: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(from, neighbour, edge) of the usable edges of ``nodes``: one gather, one mask.

    ``head``: look only at each node's ``head`` heaviest edges."""
    frm, nbr, eid = view.projection.incident(nodes, head)
    mask = keep(view, f, nbr, eid)
    return frm[mask], nbr[mask], eid[mask]
