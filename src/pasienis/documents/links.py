"""Mention links in the store: written at ingest, re-derived on demand, judged by analysts.

:func:`relink_mentions` re-runs the linker over stored mentions (after a resolution run, a
merge or a split: the candidates are re-read through today's resolver), and
:func:`judge_mention` records an analyst's confirm / reject / clear with who, when and why.
Every write publishes ``documents.mentions.linked`` with the document and entity ids in the
same transaction, so the graph re-derives those edges at its next refresh.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from pasienis.documents.errors import InvalidJudgementError, MentionNotFoundError
from pasienis.documents.extract import Found
from pasienis.documents.linking import Decision, DocumentMentions, Linker
from pasienis.documents.models import documents, mention_judgements, mentions
from pasienis.jobs import publish_in
from pasienis.model import canonical_ids
from pasienis.model.mention_links import LINKED_STATUSES, mention_links
from pasienis.model.models import statements
from pasienis.store import Store

#: Bus topic of every change to mention links (payload ``entity_ids``).
TOPIC = "documents.mentions.linked"
DECISIONS = ("confirm", "reject", "clear")
_CHUNK = 1000


def link_rows(
    decisions: dict[str, Decision], mention_rows: Iterable[dict[str, Any]], *, at: datetime
) -> list[dict[str, Any]]:
    """``mention_links`` rows for ``decisions`` (the mentions as ``document_mentions`` rows)."""
    out = []
    for m in mention_rows:
        d = decisions.get(m["id"])
        if d is None:
            continue
        out.append({
            "mention_id": m["id"], "document_id": m["document_id"], "dataset": m["dataset"],
            "kind": m["kind"], "status": d.status, "entity_id": d.entity_id,
            "score": round(d.score, 4), "page": m["page"], "start_offset": m["start_offset"],
            "end_offset": m["end_offset"], "text": m["text"], "evidence": d.evidence,
            "judgement_id": d.judgement_id, "updated_at": at,
        })  # fmt: skip
    return out


def write_links(conn: Connection, rows: list[dict[str, Any]], document_ids: Iterable[str]) -> None:
    """Replace the links of ``document_ids`` by ``rows`` and tell the graph (the entities
    linked before and after, so edges that went away are re-derived too)."""
    ids = sorted(set(document_ids))
    touched = set(ids) | {r["entity_id"] for r in rows if r["entity_id"]}
    m = mention_links.c
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        before = select(m.entity_id).where(m.document_id.in_(chunk), m.entity_id.is_not(None))
        touched.update(conn.execute(before.distinct()).scalars())
        conn.execute(delete(mention_links).where(m.document_id.in_(chunk)))
    if rows:
        conn.execute(insert(mention_links), rows)
    if touched:
        publish_in(conn, topic=TOPIC, payload={"entity_ids": sorted(touched)})


def _found(row: dict[str, Any], link: Any) -> Found:
    """A stored mention as the linker sees it (candidates from the link's evidence)."""
    evidence = (link.evidence if link is not None else None) or {}
    matched = evidence.get("matched", row["entity_id"])
    sources = evidence.get("sources") or ([matched] if matched else [])
    return Found(row["kind"], row["start_offset"], row["end_offset"], row["text"],
                 row["value"] or "", row["confidence"], row["method"], matched,
                 None, tuple(sources) if len(sources) > 1 else ())  # fmt: skip


def _stored(conn: Connection, document_ids: list[str] | None) -> list[dict[str, Any]]:
    query = select(mentions).order_by(mentions.c.document_id, mentions.c.start_offset)
    if document_ids is None:
        return [dict(r._mapping) for r in conn.execute(query)]
    out: list[dict[str, Any]] = []
    for start in range(0, len(document_ids), _CHUNK):
        part = query.where(mentions.c.document_id.in_(document_ids[start : start + _CHUNK]))
        out += [dict(r._mapping) for r in conn.execute(part)]
    return out


def _links_of(conn: Connection, mention_ids: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for start in range(0, len(mention_ids), _CHUNK):
        chunk = mention_ids[start : start + _CHUNK]
        rows = conn.execute(select(mention_links).where(mention_links.c.mention_id.in_(chunk)))
        out.update({r.mention_id: r for r in rows})
    return out


def relink_in(
    conn: Connection, *, document_ids: Iterable[str] | None = None, resolved: bool = True,
    write: bool = True,
) -> dict[str, Decision]:  # fmt: skip
    """Re-decide the links of stored mentions (all documents, or ``document_ids``).

    Each document links within the datasets recorded at its ingest (the uploader's grants).
    ``resolved=False`` treats every source entity as its own candidate (the baseline without
    the resolver); ``write=False`` only returns the decisions.
    """
    wanted = sorted(set(document_ids)) if document_ids is not None else None
    rows = _stored(conn, wanted)
    links = _links_of(conn, [r["id"] for r in rows])
    groups: dict[tuple[str, ...] | None, dict[str, DocumentMentions]] = {}
    for r in rows:
        link = links.get(r["id"])
        evidence = (link.evidence if link is not None else None) or {}
        scope = evidence.get("datasets")
        group = groups.setdefault(tuple(scope) if scope is not None else None, {})
        doc = group.setdefault(r["document_id"], DocumentMentions(r["document_id"], [], []))
        doc.found.append(_found(r, link))
        doc.mention_ids.append(r["id"])
        if evidence.get("rule") == "new-identifier" and evidence.get("matched"):
            doc.new_entities.add(evidence["matched"])
    decisions: dict[str, Decision] = {}
    for scope, docs in groups.items():
        linker = Linker(conn, datasets=scope, resolved=resolved)
        decisions.update(linker.link(list(docs.values())))
    if write:
        write_links(conn, link_rows(decisions, rows, at=datetime.now(UTC)),
                    {r["document_id"] for r in rows})  # fmt: skip
    return decisions


def stale_documents(conn: Connection) -> list[str]:
    """Documents with a mention whose candidates resolve differently now than when decided
    (a merge, a split, a resolution run since)."""
    rows = [(r.document_id, r.evidence or {}) for r in conn.execute(
        select(mention_links.c.document_id, mention_links.c.evidence))]  # fmt: skip
    canon = canonical_ids(conn, {x for _d, ev in rows for x in ev.get("sources", [])})
    stale = set()
    for doc, ev in rows:
        now = sorted({canon[x] for x in ev.get("sources", [])})
        if ev.get("resolved", True) and now != ev.get("resolved_to", now):
            stale.add(doc)
    return sorted(stale)


def relink_mentions(
    store: Store, *, document_ids: Iterable[str] | None = None, stale_only: bool = False
) -> int:
    """Re-decide and store the links (after resolution changed); returns mentions linked.

    ``stale_only``: only documents :func:`stale_documents` names (what a resolution run
    changed), instead of every document (or ``document_ids``)."""
    with store.begin() as conn:
        if stale_only:
            document_ids = stale_documents(conn)
            if not document_ids:
                return 0
        decisions = relink_in(conn, document_ids=document_ids)
    return sum(1 for d in decisions.values() if d.status in LINKED_STATUSES)


def _visible_entity(conn: Connection, entity_id: str, datasets: list[str]) -> bool:
    query = select(statements.c.entity_id).where(
        statements.c.entity_id == entity_id, statements.c.dataset.in_(datasets)
    )
    return conn.execute(query.limit(1)).first() is not None


def _mention(conn: Connection, mention_id: str, datasets: list[str]) -> Any:
    row = conn.execute(
        select(mentions.c.id, mentions.c.document_id, documents.c.dataset)
        .join(documents, documents.c.id == mentions.c.document_id)
        .where(mentions.c.id == mention_id, documents.c.dataset.in_(datasets))
    ).first()
    if row is None:
        raise MentionNotFoundError(f"no mention {mention_id!r}", hint="check the mention id")
    return row


def judge_mention(
    store: Store, *, mention_id: str, decision: str, entity_id: str | None = None,
    actor: str | None, reason: str | None, datasets: Iterable[str],
) -> dict[str, Any]:  # fmt: skip
    """Confirm (``entity_id`` required), reject (default: the entity linked now) or clear
    (back to the linker) one mention's link; returns the link as it now stands."""
    if decision not in DECISIONS:
        raise InvalidJudgementError(f"unknown decision {decision!r}", hint=", ".join(DECISIONS))
    allowed = sorted(datasets)
    with store.begin() as conn:
        row = _mention(conn, mention_id, allowed)
        if decision == "reject" and entity_id is None:
            current = _links_of(conn, [mention_id]).get(mention_id)
            entity_id = current.entity_id if current is not None else None
        if decision in ("confirm", "reject"):
            if not entity_id:
                hint = "the entity the mention names (or does not)"
                raise InvalidJudgementError(f"{decision} needs an entity_id", hint=hint)
            if not _visible_entity(conn, entity_id, allowed):
                raise InvalidJudgementError(f"no entity {entity_id!r}", hint="check the id")
        judgement_id = uuid.uuid4().hex
        conn.execute(insert(mention_judgements).values(
            id=judgement_id, mention_id=mention_id, document_id=row.document_id,
            dataset=row.dataset, decision=decision,
            entity_id=entity_id if decision != "clear" else None,
            canonical_id=canonical_ids(conn, [entity_id])[entity_id] if entity_id else None,
            actor=actor, reason=reason, created_at=datetime.now(UTC),
        ))  # fmt: skip
        relink_in(conn, document_ids=[row.document_id])
        link = _links_of(conn, [mention_id]).get(mention_id)
    return {"judgement_id": judgement_id, **(dict(link._mapping) if link is not None else {})}
