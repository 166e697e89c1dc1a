"""Incremental updates: re-derive the edges around the entities that changed.

Changes come from the bus (the change log every process can read by cursor):
``import.completed`` (payload ``id``: the import run), ``resolver.changed`` and
``statements.retracted`` (payload ``entity_ids``), plus a resolver-table diff on every refresh
so merges and splits show even when their writer published nothing. The projection then kills
the edges of the affected canonical nodes and appends their re-folded edges (no rebuild).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy import Connection, select, union

from pasienis.graph.build import canonical_map, fold, load_nodes, to_batch
from pasienis.graph.links import EVENT_LINKS, all_links
from pasienis.graph.projection import Projection
from pasienis.model.events import EVENT_TABLES
from pasienis.model.models import statements

#: Bus topics the projection follows (documented in docs/graph.md).
CHANGE_TOPICS = ("import.completed", "resolver.changed", "statements.retracted",
                 "graph.cotravel.updated", "documents.mentions.linked")  # fmt: skip


def entities_of_run(conn: Connection, run_id: str) -> set[str]:
    """Entity ids an import run wrote statements or events about (and the ids they reference)."""
    s = statements.c
    found = set(conn.execute(select(s.entity_id).where(s.run_id == run_id).distinct()).scalars())
    found |= set(conn.execute(select(s.value).where(
        s.run_id == run_id, s.prop_type == "entity").distinct()).scalars())  # fmt: skip
    refs: dict[str, set[str]] = {}
    for table, a, b, _rel in EVENT_LINKS:
        refs.setdefault(table.name, set()).update((a, b))
    for name, cols in refs.items():
        table = EVENT_TABLES[name]
        parts = [select(table.c[c]).where(table.c.run_id == run_id) for c in sorted(cols)]
        found |= {v for v in conn.execute(union(*parts)).scalars() if v}
    return found


def resolver_changes(old: dict[str, str], new: dict[str, str]) -> set[str]:
    """Entity ids whose canonical id differs between two resolver mappings (both sides)."""
    changed = {e for e in old.keys() | new.keys() if old.get(e, e) != new.get(e, e)}
    return changed | {old.get(e, e) for e in changed} | {new.get(e, e) for e in changed}


def _members(canon: dict[str, str], canonicals: set[str]) -> set[str]:
    return set(canonicals) | {e for e, c in canon.items() if c in canonicals}


def apply_delta(
    p: Projection, conn: Connection, changed: Iterable[str], *, shared_cap: int = 25,
    new_canon: dict[str, str] | None = None,
) -> int:  # fmt: skip
    """Re-derive every edge touching ``changed`` entities; returns the edges re-added."""
    old_canon = p.canon
    canon = canonical_map(conn) if new_canon is None else new_canon
    changed = set(changed) | resolver_changes(old_canon, canon)
    if not changed:
        return 0
    canonicals = {old_canon.get(e, e) for e in changed} | {canon.get(e, e) for e in changed}
    members = sorted(_members(old_canon, canonicals) | _members(canon, canonicals))
    for c in canonicals:  # forget what the nodes were; load_nodes re-declares the live ones
        idx = p.node_index.get(c)
        if idx is not None:
            p.forget_node(idx)
    p.canon = canon
    schema_of = load_nodes(p, conn, canon, members)
    nodes = np.array([p.node_index[c] for c in canonicals if c in p.node_index], np.int64)
    p.kill_edges_of(nodes)
    folded = fold(all_links(conn, members, shared_cap=shared_cap), canon)
    # Links touching a member but neither canonical node belong to untouched edges.
    folded.edges = {
        k: v for k, v in folded.edges.items() if k[0] in canonicals or k[1] in canonicals
    }
    batch = to_batch(p, folded, schema_of)
    p.append_edges(batch)
    p.commit_change()
    return len(batch)
