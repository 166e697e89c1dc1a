"""Graph context of the parties a frame names: the facts behind the graph features.

Read through the graph capability's view (the caller's compartments, resolved entities), so
a company merged with its register twin answers under either id. For each importer: its
degree, the companies within two hops (a shared officer, owner, address or phone), and the
days of seizures that involved a person or vehicle within two hops; for each vehicle: how
many watchlisted vehicles it co-travelled with. ``until`` keeps dated links after a split day
out of training (undated register relations always count: they have no day to hide).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from pasienis.graph import EdgeFilter, GraphService, UnknownNodeError
from pasienis.graph.queries import expand
from pasienis.model import live, make_id
from pasienis.model.events import violations
from pasienis.model.plates import normalise_plate
from pasienis.risk.features import GraphFacts
from pasienis.risk.timesafe import days
from pasienis.watch.models import watch_entries

#: Parties looked up at most (each is one two-hop expansion of a few milliseconds).
MAX_PARTIES = 20_000


def graph_facts(
    graph: GraphService,
    conn: Connection,
    frame: pd.DataFrame,
    *,
    datasets: frozenset[str],
    until: datetime | None = None,
) -> GraphFacts:
    importers = [p for p in pd.unique(frame["importer"].astype(str)) if p][:MAX_PARTIES]
    vehicles = [v for v in pd.unique(frame["vehicle"].astype(str)) if v][:MAX_PARTIES]
    seizures = _seizure_days(conn, datasets)
    watched = _watched_vehicles(conn, datasets)
    facts = GraphFacts()
    f = EdgeFilter(until=until)
    with graph.view(datasets) as view:
        canon = view.projection.canon
        members: dict[str, list[str]] = {}
        for entity, c in canon.items():
            members.setdefault(c, []).append(entity)
        seized_by_node: dict[str, list[int]] = {}
        for entity, day in seizures:
            seized_by_node.setdefault(canon.get(entity, entity), []).append(day)
        watched_nodes = {canon.get(v, v) for v in watched}
        for party in importers:
            try:
                sub = expand(view, [party], depth=2, f=f, max_nodes=400, per_node=100)
            except UnknownNodeError:
                continue
            me = canon.get(party, party)
            nodes = {n["id"]: n["schema"] for n in sub["nodes"]}
            facts.degree[party] = float(
                sum(1 for e in sub["edges"] if me in (e["source"], e["target"]))
            )
            # Neighbours under every id they have, so they meet the frame's party ids.
            facts.links += [
                (party, m)
                for n, s in nodes.items()
                if s == "Company" and n != me
                for m in {n, *members.get(n, ())}
            ]
            for n in nodes:
                facts.seizures += [(party, d) for d in seized_by_node.get(n, [])]
        for vehicle in vehicles:
            try:
                sub = expand(
                    view,
                    [vehicle],
                    depth=1,
                    f=EdgeFilter(relations=frozenset({"co_travel"}), until=until),
                    max_nodes=200,
                    per_node=200,
                )
            except UnknownNodeError:
                continue
            me = canon.get(vehicle, vehicle)
            n = sum(1 for x in sub["nodes"] if x["id"] != me and x["id"] in watched_nodes)
            facts.cotravel_watch[vehicle] = float(n)
    return facts


def _seizure_days(conn: Connection, datasets: frozenset[str]) -> list[tuple[str, int]]:
    v = violations
    q = select(v.c.occurred_at, v.c.person_id, v.c.vehicle_id).where(live(v))
    q = q.where(v.c.dataset.in_(sorted(datasets)))
    out = []
    for when, person, vehicle in conn.execute(q):
        day = int(days(np.array([np.datetime64(when.replace(tzinfo=None), "D")]))[0])
        out += [(e, day) for e in (person, vehicle) if e]
    return out


def _watched_vehicles(conn: Connection, datasets: frozenset[str]) -> set[str]:
    """Vehicles on an active watchlist entry: the listed entity, and its plates' entities."""
    from pasienis.watch.models import watch_lists

    q = (
        select(watch_entries.c.entity_id, watch_entries.c.identifiers)
        .join(watch_lists, watch_lists.c.id == watch_entries.c.list_id)
        .where(
            watch_entries.c.kind == "vehicle",
            watch_entries.c.active.is_(True),
            watch_lists.c.dataset.in_(sorted(datasets)),
        )
    )
    out: set[str] = set()
    for entity, idents in conn.execute(q):
        if entity:
            out.add(entity)
        for ident in idents or []:
            if ident.get("type") == "plate" and ident.get("value"):
                out.add(make_id("vehicle-plate", normalise_plate(str(ident["value"]))))
    return out
