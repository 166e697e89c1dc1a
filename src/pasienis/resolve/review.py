"""The review workflow: candidates with evidence, analysts' judgements, merge/split/undo.

Every decision is a judgement (who, when, why, the pair or the split part) that records the
statuses it replaced, so undo restores exactly what was there. Statements are never
touched. An analyst sees and decides only pairs whose records they may both read.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from pasienis.model.models import statements
from pasienis.resolve.errors import (
    CandidateNotFoundError,
    ConflictingJudgementError,
    ResolveError,
)
from pasienis.resolve.models import resolution_candidates as cand
from pasienis.resolve.models import resolution_features, resolution_judgements
from pasienis.resolve.resolver import members_of, now, recompute
from pasienis.resolve.runs import pair_id
from pasienis.store import Store

DECISIONS = {"merge": "merged", "not-same": "not-same", "unsure": "unsure"}


def _visible(datasets_text: str, allowed: Collection[str]) -> bool:
    """A record is readable when every dataset it comes from is granted."""
    names = [d for d in datasets_text.split(",") if d]
    return bool(names) and all(d in allowed for d in names)


def list_candidates(
    conn: Connection, *, datasets: Collection[str], kind: str | None = None,
    status: str = "review", limit: int = 50, offset: int = 0,
) -> list[dict[str, Any]]:  # fmt: skip
    """Candidate pairs the caller may read (both records), most probable first."""
    query = select(cand).where(cand.c.status == status).order_by(
        cand.c.probability.desc(), cand.c.id)  # fmt: skip
    if kind:
        query = query.where(cand.c.kind == kind)
    out: list[dict[str, Any]] = []
    skipped = 0
    for row in conn.execute(query).yield_per(500):
        if not (_visible(row.left_datasets, datasets) and _visible(row.right_datasets, datasets)):
            continue
        if skipped < offset:
            skipped += 1
            continue
        out.append(dict(row._mapping))
        if len(out) >= limit:
            break
    return out


def _record(conn: Connection, entity_id: str, datasets: Collection[str]) -> dict[str, Any]:
    """One record as its own statements (only granted datasets) and its features."""
    rows = conn.execute(
        select(statements.c.prop, statements.c.value, statements.c.dataset,
               statements.c.locator).where(
            statements.c.entity_id == entity_id, statements.c.dataset.in_(list(datasets)),
            statements.c.prop != "id",
        ).order_by(statements.c.prop, statements.c.value)
    )  # fmt: skip
    props: dict[str, list[str]] = {}
    sources = set()
    for r in rows:
        props.setdefault(r.prop, []).append(r.value)
        sources.add((r.dataset, r.locator))
    return {"entity_id": entity_id, "properties": props,
            "sources": [{"dataset": d, "locator": loc} for d, loc in sorted(sources)]}  # fmt: skip


def get_candidate(conn: Connection, candidate_id: str, *, datasets: Collection[str]) -> dict:
    """A pair side by side with its evidence; invisible and unknown look the same."""
    row = conn.execute(select(cand).where(cand.c.id == candidate_id)).first()
    if row is None or not (
        _visible(row.left_datasets, datasets) and _visible(row.right_datasets, datasets)
    ):
        raise CandidateNotFoundError(f"no candidate {candidate_id!r}")
    out = dict(row._mapping)
    out["left"] = _record(conn, row.left_id, datasets)
    out["right"] = _record(conn, row.right_id, datasets)
    return out


def _features(conn: Connection, ids: Iterable[str]) -> dict[str, Any]:
    rows = conn.execute(select(resolution_features.c.entity_id, resolution_features.c.kind,
                               resolution_features.c.datasets)
                        .where(resolution_features.c.entity_id.in_(list(ids))))  # fmt: skip
    return {r.entity_id: r for r in rows}


def _readable_pair(conn: Connection, a: str, b: str, datasets: Collection[str]) -> str:
    """The kind of two resolvable records the caller may both read (else not found)."""
    found = _features(conn, [a, b])
    for entity_id in (a, b):
        row = found.get(entity_id)
        if row is None or not _visible(row.datasets, datasets):
            raise CandidateNotFoundError(
                f"no resolvable record {entity_id!r}", hint="run `pasienis resolve` first"
            )
    if found[a].kind != found[b].kind:
        raise ResolveError(f"{a!r} is a {found[a].kind}, {b!r} a {found[b].kind}")
    return str(found[a].kind)


def _set_pairs(conn: Connection, kind: str, pairs: list[tuple[str, str]], status: str,
               judgement_id: str, datasets_of: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """Give pairs a status; returns each pair's previous (status, judgement) for undo."""
    prior: dict[str, Any] = {}
    for a, b in pairs:
        left, right = sorted((a, b))
        cid = pair_id(kind, left, right)
        old = conn.execute(select(cand.c.status, cand.c.judgement_id)
                           .where(cand.c.id == cid)).first()  # fmt: skip
        if old is None:
            prior[cid] = None
            conn.execute(insert(cand).values(
                id=cid, kind=kind, left_id=left, right_id=right, status=status,
                left_datasets=datasets_of.get(left, ""), right_datasets=datasets_of.get(right, ""),
                judgement_id=judgement_id, updated_at=now(),
            ))  # fmt: skip
        else:
            prior[cid] = [old.status, old.judgement_id]
            conn.execute(update(cand).where(cand.c.id == cid).values(
                status=status, judgement_id=judgement_id, updated_at=now()))  # fmt: skip
    return prior


def _judge(conn: Connection, *, kind: str, decision: str, left: list[str], right: list[str],
           actor: str, reason: str | None) -> str:  # fmt: skip
    judgement_id = uuid.uuid4().hex
    conn.execute(insert(resolution_judgements).values(
        id=judgement_id, kind=kind, decision=decision, source="analyst", left_ids=left,
        right_ids=right, actor=actor, reason=reason, created_at=now(),
    ))  # fmt: skip
    return judgement_id


def _check_no_not_same(conn: Connection, kind: str, left: list[str], right: list[str]) -> None:
    pairs = {pair_id(kind, a, b) for a in left for b in right}
    blocked = conn.execute(select(cand.c.left_id, cand.c.right_id, cand.c.judgement_id).where(
        cand.c.id.in_(list(pairs)), cand.c.status == "not-same")).first()  # fmt: skip
    if blocked is not None:
        raise ConflictingJudgementError(
            f"{blocked.left_id} and {blocked.right_id} were judged not the same",
            hint=f"undo judgement {blocked.judgement_id} first",
        )


def decide(
    store: Store, *, left_id: str, right_id: str, decision: str, actor: str,
    reason: str | None = None, datasets: Collection[str],
) -> dict[str, Any]:  # fmt: skip
    """merge / not-same / unsure on two records (a queued pair or any two of one kind)."""
    if decision not in DECISIONS:
        raise ResolveError(f"unknown decision {decision!r}", hint="merge, not-same or unsure")
    if left_id == right_id:
        raise ResolveError("a record cannot be judged against itself")
    with store.begin() as conn:
        kind = _readable_pair(conn, left_id, right_id, datasets)
        left, right = members_of(conn, left_id), members_of(conn, right_id)
        if decision == "merge":
            _check_no_not_same(conn, kind, left, right)
        judgement_id = _judge(conn, kind=kind, decision=decision, left=[left_id],
                              right=[right_id], actor=actor, reason=reason)  # fmt: skip
        datasets_of = {k: v.datasets for k, v in _features(conn, [left_id, right_id]).items()}
        prior = _set_pairs(conn, kind, [(left_id, right_id)], DECISIONS[decision],
                           judgement_id, datasets_of)  # fmt: skip
        _save_prior(conn, judgement_id, prior)
        recompute(store, conn, kind, seeds=[left_id, right_id])
        return get_judgement(conn, judgement_id)


def split(
    store: Store, *, entity_id: str, actor: str, reason: str | None = None,
    datasets: Collection[str],
) -> dict[str, Any]:  # fmt: skip
    """Take a record out of its cluster: not-same against every other member."""
    with store.begin() as conn:
        found = _features(conn, [entity_id]).get(entity_id)
        if found is None or not _visible(found.datasets, datasets):
            raise CandidateNotFoundError(f"no resolvable record {entity_id!r}")
        others = [m for m in members_of(conn, entity_id) if m != entity_id]
        if not others:
            raise ResolveError(f"{entity_id!r} is not merged with anything: nothing to split")
        kind = str(found.kind)
        judgement_id = _judge(conn, kind=kind, decision="not-same", left=[entity_id],
                              right=others, actor=actor, reason=reason)  # fmt: skip
        datasets_of = {k: v.datasets for k, v in _features(conn, [entity_id, *others]).items()}
        prior = _set_pairs(conn, kind, [(entity_id, o) for o in others], "not-same",
                           judgement_id, datasets_of)  # fmt: skip
        _save_prior(conn, judgement_id, prior)
        recompute(store, conn, kind, seeds=[entity_id, *others])
        return get_judgement(conn, judgement_id)


def _save_prior(conn: Connection, judgement_id: str, prior: dict[str, Any]) -> None:
    conn.execute(update(resolution_judgements).where(resolution_judgements.c.id == judgement_id)
                 .values(prior=prior))  # fmt: skip


def undo(store: Store, *, judgement_id: str, actor: str, reason: str | None = None,
         datasets: Collection[str]) -> dict[str, Any]:  # fmt: skip
    """Reverse an analyst's judgement: the pairs get back the statuses they had before."""
    with store.begin() as conn:
        judgement = get_judgement(conn, judgement_id)
        ids = [*judgement["left_ids"], *judgement["right_ids"]]
        visible = _features(conn, ids)
        if judgement["source"] != "analyst" or not all(
            i in visible and _visible(visible[i].datasets, datasets) for i in ids
        ):
            raise CandidateNotFoundError(f"no analyst judgement {judgement_id!r} to undo")
        if judgement["reverted_at"] is not None:
            raise ConflictingJudgementError(f"judgement {judgement_id} was already undone")
        prior = judgement["prior"] or {}
        current = dict(conn.execute(select(cand.c.id, cand.c.judgement_id)
                                    .where(cand.c.id.in_(list(prior)))).all())  # fmt: skip
        later = {v for v in current.values() if v != judgement_id}
        if later:
            raise ConflictingJudgementError(
                f"a later judgement changed these pairs: {', '.join(sorted(map(str, later)))}",
                hint="undo the later judgement first",
            )
        _restore(conn, prior)
        conn.execute(update(resolution_judgements).where(
            resolution_judgements.c.id == judgement_id).values(
            reverted_at=now(), reverted_by=actor, revert_reason=reason))  # fmt: skip
        recompute(store, conn, judgement["kind"], seeds=ids)
        return get_judgement(conn, judgement_id)


def _restore(conn: Connection, prior: dict[str, Any]) -> None:
    for cid, before in prior.items():
        if before is None:
            conn.execute(delete(cand).where(cand.c.id == cid))
        else:
            status, previous = before
            conn.execute(update(cand).where(cand.c.id == cid).values(
                status=status, judgement_id=previous, updated_at=now()))  # fmt: skip


def get_judgement(conn: Connection, judgement_id: str) -> dict[str, Any]:
    row = conn.execute(select(resolution_judgements).where(
        resolution_judgements.c.id == judgement_id)).first()  # fmt: skip
    if row is None:
        raise CandidateNotFoundError(f"no judgement {judgement_id!r}")
    return dict(row._mapping)


def list_judgements(conn: Connection, *, datasets: Collection[str], kind: str | None = None,
                    limit: int = 50,
                    involving: Collection[str] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Analysts' judgements about records the caller may read, newest first (only those
    about one of the records ``involving``, when given: an entity's resolution history)."""
    query = select(resolution_judgements).where(resolution_judgements.c.source == "analyst")
    if kind:
        query = query.where(resolution_judgements.c.kind == kind)
    wanted = set(involving) if involving is not None else None
    out = []
    for row in conn.execute(query.order_by(resolution_judgements.c.created_at.desc())):
        ids = [*row.left_ids, *row.right_ids]
        if wanted is not None and wanted.isdisjoint(ids):
            continue
        found = _features(conn, ids)
        if all(i in found and _visible(found[i].datasets, datasets) for i in ids):
            out.append(dict(row._mapping))
            if len(out) >= limit:
                break
    return out


def every_dataset(conn: Connection) -> frozenset[str]:
    """Every dataset a resolvable record comes from (the local operator's view in the CLI)."""
    texts = conn.execute(select(resolution_features.c.datasets).distinct()).scalars()
    return frozenset(d for text in texts for d in text.split(",") if d)


def visible_members(conn: Connection, ids: list[str], datasets: Collection[str]) -> list[str]:
    """The ids whose statements come only from granted datasets (order kept)."""
    found = _features(conn, ids)
    return [i for i in ids if i in found and _visible(found[i].datasets, datasets)]
