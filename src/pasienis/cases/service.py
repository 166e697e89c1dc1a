"""Cases: create, share, fill with entities, documents, alerts, charts and notes; history.

Keyword-only functions, connection first. Callers pass what the principal may see:
``case_ids`` (the case grants it holds) and ``datasets`` (its dataset grants). A case outside
``case_ids`` is "not found" (no hint that it exists); an item whose datasets are not all
within ``datasets`` is left out of the answer and counted in ``hidden`` so the member knows
something is there that another member brought in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from pasienis.cases.errors import CaseItemError, CaseNotFoundError, CaseReadOnlyError
from pasienis.cases.models import case_activity, case_items, cases
from pasienis.security.compartments import (
    GranteeKind,
    Permission,
    ResourceKind,
    grant,
    granted,
    list_grants,
    revoke,
)
from pasienis.security.users import user_row

ITEM_KINDS = frozenset({"entity", "document", "alert", "chart", "note"})
#: Kinds that point at a stored object (the others carry their content in ``body``).
REFERENCED = frozenset({"entity", "document", "alert"})


def _now() -> datetime:
    return datetime.now(UTC)


def _log(conn: Connection, case_id: str, actor: str, action: str, *, item_id: str | None = None,
         detail: Mapping[str, Any] | None = None) -> None:  # fmt: skip
    conn.execute(insert(case_activity).values(case_id=case_id, at=_now(), actor=actor,
                                              action=action, item_id=item_id,
                                              detail=dict(detail or {})))  # fmt: skip
    conn.execute(update(cases).where(cases.c.id == case_id).values(updated_at=_now()))


def create_case(conn: Connection, *, title: str, description: str | None, actor_id: str,
                actor: str) -> dict[str, Any]:  # fmt: skip
    """A new open case; its creator becomes a member with write access."""
    case_id = uuid.uuid4().hex
    at = _now()
    conn.execute(insert(cases).values(id=case_id, title=title, description=description,
                                      status="open", created_by=actor, created_at=at,
                                      updated_at=at))  # fmt: skip
    grant(conn, resource_kind=ResourceKind.case, resource=case_id, grantee_kind=GranteeKind.user,
          grantee=actor_id, granted_by=actor, permission=Permission.write)  # fmt: skip
    _log(conn, case_id, actor, "created", detail={"title": title})
    return _case_row(conn, case_id)


def _case_row(conn: Connection, case_id: str) -> dict[str, Any]:
    row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        raise CaseNotFoundError(f"no case {case_id!r}")
    return dict(row._mapping)


def _visible(case_id: str, case_ids: Iterable[str]) -> None:
    if case_id not in set(case_ids):
        raise CaseNotFoundError(f"no case {case_id!r}", hint="ask a member to add you")


def check_writable(conn: Connection, case_id: str, *, user_id: str) -> None:
    """Raise unless the user holds a write grant on the case (directly or by a group)."""
    if case_id not in granted(conn, user_id=user_id, kind=ResourceKind.case,
                              permission=Permission.write):  # fmt: skip
        raise CaseReadOnlyError("you may read this case but not change it",
                                hint="a member with write access can grant it")  # fmt: skip


def list_cases(conn: Connection, *, case_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The cases the caller is a member of, most recently changed first, with item counts."""
    ids = sorted(set(case_ids))
    if not ids:
        return []
    counts = dict(conn.execute(select(case_items.c.case_id, func.count())
                               .where(case_items.c.case_id.in_(ids))
                               .group_by(case_items.c.case_id)).all())  # fmt: skip
    rows = conn.execute(select(cases).where(cases.c.id.in_(ids))
                        .order_by(cases.c.updated_at.desc(), cases.c.id))  # fmt: skip
    return [{**dict(r._mapping), "items": int(counts.get(r.id, 0))} for r in rows]


def members(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    """Users and groups holding a grant on the case, with their permission."""
    return [{k: g[k] for k in ("grantee_kind", "grantee", "permission", "granted_by",
                               "granted_at")}
            for g in list_grants(conn, resource_kind=ResourceKind.case)
            if g["resource"] == case_id]  # fmt: skip


def _item_json(row: Any, *, full: bool) -> dict[str, Any]:
    out = dict(row._mapping)
    if not full and out["kind"] == "chart":
        body = out.pop("body") or {}
        out["summary"] = {"nodes": len(body.get("nodes", [])), "edges": len(body.get("edges", []))}
    return out


def get_case(conn: Connection, case_id: str, *, case_ids: Iterable[str],
             datasets: Iterable[str]) -> dict[str, Any]:  # fmt: skip
    """A case with its members and the items the caller may see (charts summarised)."""
    _visible(case_id, case_ids)
    out = _case_row(conn, case_id)
    allowed = set(datasets)
    shown, hidden = [], 0
    for row in conn.execute(select(case_items).where(case_items.c.case_id == case_id)
                            .order_by(case_items.c.added_at, case_items.c.id)):  # fmt: skip
        if set(row.datasets or ()) <= allowed:
            shown.append(_item_json(row, full=row.kind == "note"))
        else:
            hidden += 1
    out.update(members=members(conn, case_id), items=shown, hidden=hidden)
    return out


def update_case(conn: Connection, case_id: str, *, case_ids: Iterable[str], user_id: str,
                actor: str, changes: Mapping[str, Any]) -> dict[str, Any]:  # fmt: skip
    """Change title, description or status (open/closed)."""
    _visible(case_id, case_ids)
    check_writable(conn, case_id, user_id=user_id)
    values = {k: v for k, v in changes.items() if k in ("title", "description", "status")}
    if values:
        conn.execute(update(cases).where(cases.c.id == case_id).values(**values))
        _log(conn, case_id, actor, "updated", detail=values)
    return _case_row(conn, case_id)


def share(conn: Connection, case_id: str, *, case_ids: Iterable[str], user_id: str, actor: str,
          grantee_kind: str, grantee: str, permission: str) -> list[dict[str, Any]]:  # fmt: skip
    """Add a member (user by name, or group) or change their permission."""
    _visible(case_id, case_ids)
    check_writable(conn, case_id, user_id=user_id)
    kind = GranteeKind(grantee_kind)
    target = user_row(conn, name=grantee).id if kind is GranteeKind.user else grantee
    grant(conn, resource_kind=ResourceKind.case, resource=case_id, grantee_kind=kind,
          grantee=target, granted_by=actor, permission=Permission(permission))  # fmt: skip
    _log(conn, case_id, actor, "member.added",
         detail={"kind": str(kind), "grantee": grantee, "permission": permission})  # fmt: skip
    return members(conn, case_id)


def unshare(conn: Connection, case_id: str, *, case_ids: Iterable[str], user_id: str, actor: str,
            grantee_kind: str, grantee: str) -> list[dict[str, Any]]:  # fmt: skip
    """Remove a member; the last member with write access cannot be removed."""
    _visible(case_id, case_ids)
    check_writable(conn, case_id, user_id=user_id)
    kind = GranteeKind(grantee_kind)
    target = user_row(conn, name=grantee).id if kind is GranteeKind.user else grantee
    writers = [m for m in members(conn, case_id) if m["permission"] == "write"]
    if len(writers) == 1 and writers[0]["grantee"] in (grantee, target):
        raise CaseItemError("the last member with write access cannot be removed",
                            hint="give someone else write access first")  # fmt: skip
    if not revoke(conn, resource_kind=ResourceKind.case, resource=case_id, grantee_kind=kind,
                  grantee=target):  # fmt: skip
        raise CaseNotFoundError(f"{grantee!r} is not a member of this case")
    _log(conn, case_id, actor, "member.removed", detail={"kind": str(kind), "grantee": grantee})
    return members(conn, case_id)


def add_item(conn: Connection, case_id: str, *, case_ids: Iterable[str], user_id: str,
             actor: str, kind: str, ref: str | None, title: str | None,
             body: Any, datasets: Iterable[str]) -> dict[str, Any]:  # fmt: skip
    """Put an item in a case. ``datasets`` are those its content came from (the caller
    computes them from what it read through the actor's grants)."""
    _visible(case_id, case_ids)
    check_writable(conn, case_id, user_id=user_id)
    if kind not in ITEM_KINDS:
        raise CaseItemError(f"unknown item kind {kind!r}", hint=", ".join(sorted(ITEM_KINDS)))
    if (kind in REFERENCED) != bool(ref):
        raise CaseItemError(f"a {kind} item needs {'a' if kind in REFERENCED else 'no'} ref")
    if kind in REFERENCED:
        same = conn.execute(select(case_items.c.id).where(
            case_items.c.case_id == case_id, case_items.c.kind == kind, case_items.c.ref == ref,
        )).first()  # fmt: skip
        if same is not None:  # adding the same entity twice changes nothing
            return get_item(conn, case_id, same.id, case_ids=case_ids, datasets=datasets)
    item_id, at = uuid.uuid4().hex, _now()
    conn.execute(insert(case_items).values(id=item_id, case_id=case_id, kind=kind, ref=ref,
                                           title=title, body=body, datasets=sorted(set(datasets)),
                                           version=1, added_by=actor, added_at=at,
                                           updated_at=at))  # fmt: skip
    _log(conn, case_id, actor, "item.added", item_id=item_id,
         detail={"kind": kind, "ref": ref, "title": title})  # fmt: skip
    return get_item(conn, case_id, item_id, case_ids=case_ids, datasets=datasets)


def _item_row(conn: Connection, case_id: str, item_id: str) -> Any:
    query = select(case_items).where(case_items.c.id == item_id, case_items.c.case_id == case_id)
    row = conn.execute(query).first()
    if row is None:
        raise CaseNotFoundError(f"no item {item_id!r} in this case")
    return row


def get_item(conn: Connection, case_id: str, item_id: str, *, case_ids: Iterable[str],
             datasets: Iterable[str]) -> dict[str, Any]:  # fmt: skip
    """One item in full (a chart with every node, edge and position)."""
    _visible(case_id, case_ids)
    row = _item_row(conn, case_id, item_id)
    if not set(row.datasets or ()) <= set(datasets):
        raise CaseNotFoundError(f"no item {item_id!r} in this case")
    return _item_json(row, full=True)


def update_item(conn: Connection, case_id: str, item_id: str, *, case_ids: Iterable[str],
                user_id: str, actor: str, title: str | None, body: Any,
                datasets: Iterable[str], version: int | None) -> dict[str, Any]:  # fmt: skip
    """Replace a chart's or note's content; ``version`` (when given) must be the current one,
    so two analysts saving the same chart do not silently overwrite each other."""
    _visible(case_id, case_ids)
    check_writable(conn, case_id, user_id=user_id)
    row = _item_row(conn, case_id, item_id)
    if row.kind in REFERENCED:
        raise CaseItemError(f"a {row.kind} item has no content to change")
    if version is not None and version != row.version:
        raise CaseItemError(f"the item changed since you opened it (version {row.version})",
                            hint="reopen it and save again")  # fmt: skip
    conn.execute(update(case_items).where(case_items.c.id == item_id).values(
        title=title if title is not None else row.title, body=body,
        datasets=sorted(set(datasets)), version=row.version + 1, updated_at=_now(),
    ))  # fmt: skip
    _log(conn, case_id, actor, "item.saved", item_id=item_id,
         detail={"kind": row.kind, "version": row.version + 1})  # fmt: skip
    return get_item(conn, case_id, item_id, case_ids=case_ids, datasets=datasets)


def remove_item(conn: Connection, case_id: str, item_id: str, *, case_ids: Iterable[str],
                user_id: str, actor: str) -> None:  # fmt: skip
    """Take an item out of a case (the entity or document itself is not touched)."""
    _visible(case_id, case_ids)
    check_writable(conn, case_id, user_id=user_id)
    row = _item_row(conn, case_id, item_id)
    conn.execute(delete(case_items).where(case_items.c.id == item_id))
    _log(conn, case_id, actor, "item.removed", item_id=item_id,
         detail={"kind": row.kind, "ref": row.ref})  # fmt: skip


def activity(conn: Connection, case_id: str, *, case_ids: Iterable[str],
             limit: int = 200) -> list[dict[str, Any]]:  # fmt: skip
    """What happened to the case, newest first (references, not contents)."""
    _visible(case_id, case_ids)
    rows = conn.execute(select(case_activity).where(case_activity.c.case_id == case_id)
                        .order_by(case_activity.c.id.desc()).limit(limit))  # fmt: skip
    return [dict(r._mapping) for r in rows]
