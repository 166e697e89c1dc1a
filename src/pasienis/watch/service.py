"""Watchlists, entries and camera sources: keyword-only functions, connection first.

Every change to entries raises the ``generation`` counter in ``watch_state`` in the same
transaction, so every process's screening index (:mod:`.cache`) rebuilds on its next use.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from pasienis.model import make_id
from pasienis.watch.errors import SourceAuthError, WatchError, WatchNotFoundError
from pasienis.watch.index import Entry
from pasienis.watch.models import watch_entries, watch_lists, watch_sources, watch_state
from pasienis.watch.schemas import EntryCreate, EntryUpdate

GENERATION = "entries_generation"


def now() -> datetime:
    return datetime.now(UTC)


def get_state(conn: Connection, name: str) -> int:
    value = conn.execute(select(watch_state.c.value).where(watch_state.c.name == name))
    return int(value.scalar() or 0)


def set_state(conn: Connection, name: str, value: int) -> None:
    done = conn.execute(
        update(watch_state).where(watch_state.c.name == name).values(value=value, updated_at=now())
    )
    if done.rowcount == 0:
        conn.execute(insert(watch_state).values(name=name, value=value, updated_at=now()))


def bump_generation(conn: Connection) -> int:
    value = get_state(conn, GENERATION) + 1
    set_state(conn, GENERATION, value)
    return value


# --- watchlists --------------------------------------------------------------------------------
def create_list(
    conn: Connection,
    *,
    name: str,
    dataset: str,
    owner: str | None,
    description: str | None = None,
    source_dataset: str | None = None,
) -> dict[str, Any]:
    """Create a watchlist whose entries belong to ``dataset`` (their compartment)."""
    found = conn.execute(select(watch_lists.c.id).where(watch_lists.c.name == name)).scalar()
    if found:
        raise WatchError(f"a watchlist named {name!r} exists", hint="choose another name")
    row = {
        "id": make_id("watchlist", name),
        "name": name,
        "dataset": dataset,
        "owner": owner,
        "description": description,
        "source_dataset": source_dataset,
        "created_at": now(),
    }
    conn.execute(insert(watch_lists).values(**row))
    return row


def list_lists(conn: Connection, *, datasets: frozenset[str] | None = None) -> list[dict]:
    q = select(watch_lists).order_by(watch_lists.c.name)
    if datasets is not None:
        q = q.where(watch_lists.c.dataset.in_(sorted(datasets)))
    return [dict(r._mapping) for r in conn.execute(q)]


def get_list(conn: Connection, *, ref: str, datasets: frozenset[str] | None = None) -> dict:
    """A watchlist by id or name (``datasets``: only one the caller may see)."""
    q = select(watch_lists).where((watch_lists.c.id == ref) | (watch_lists.c.name == ref))
    row = conn.execute(q).first()
    if row is None or (datasets is not None and row.dataset not in datasets):
        raise WatchNotFoundError(f"no watchlist {ref!r}", hint="pasienis watch lists")
    return dict(row._mapping)


# --- entries -----------------------------------------------------------------------------------
def _identifiers(body: EntryCreate) -> list[dict[str, str]]:
    return [{"type": i.type, "value": i.value.strip()} for i in body.identifiers]


def add_entry(
    conn: Connection,
    *,
    list_ref: str,
    body: EntryCreate,
    owner: str | None,
    datasets: frozenset[str] | None = None,
    entity_id: str | None = None,
    entry_id: str | None = None,
) -> dict[str, Any]:
    """Add an entry to a watchlist; screening uses it from the next record on."""
    wl = get_list(conn, ref=list_ref, datasets=datasets)
    stamp = now()
    row = {
        "id": entry_id or make_id("watch-entry", wl["id"], secrets.token_hex(8)),
        "list_id": wl["id"],
        "kind": body.kind,
        "name": (body.name or "").strip() or None,
        "identifiers": _identifiers(body),
        "birth_date": body.birth_date.isoformat() if body.birth_date else None,
        "country": body.country,
        "reason": body.reason,
        "owner": body.owner or owner,
        "priority": body.priority,
        "valid_from": body.valid_from,
        "valid_to": body.valid_to,
        "entity_id": entity_id,
        "active": True,
        "created_at": stamp,
        "updated_at": stamp,
    }
    conn.execute(insert(watch_entries).values(**row))
    bump_generation(conn)
    return row


def get_entry(conn: Connection, *, entry_id: str, datasets: frozenset[str] | None = None) -> dict:
    q = (
        select(watch_entries, watch_lists.c.dataset, watch_lists.c.name.label("list_name"))
        .join(watch_lists, watch_lists.c.id == watch_entries.c.list_id)
        .where(watch_entries.c.id == entry_id)
    )
    row = conn.execute(q).first()
    if row is None or (datasets is not None and row.dataset not in datasets):
        raise WatchNotFoundError(f"no watchlist entry {entry_id!r}")
    return dict(row._mapping)


def list_entries(
    conn: Connection,
    *,
    list_ref: str | None = None,
    datasets: frozenset[str] | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict[str, Any]]:
    q = select(watch_entries, watch_lists.c.dataset, watch_lists.c.name.label("list_name")).join(
        watch_lists, watch_lists.c.id == watch_entries.c.list_id
    )
    if list_ref is not None:
        q = q.where(
            watch_entries.c.list_id == get_list(conn, ref=list_ref, datasets=datasets)["id"]
        )
    if datasets is not None:
        q = q.where(watch_lists.c.dataset.in_(sorted(datasets)))
    q = q.order_by(watch_entries.c.priority, watch_entries.c.id).limit(limit).offset(offset)
    return [dict(r._mapping) for r in conn.execute(q)]


def update_entry(
    conn: Connection, *, entry_id: str, body: EntryUpdate, datasets: frozenset[str] | None = None
) -> dict[str, Any]:
    get_entry(conn, entry_id=entry_id, datasets=datasets)
    values = body.model_dump(exclude_unset=True)
    if values:
        values["updated_at"] = now()
        conn.execute(update(watch_entries).where(watch_entries.c.id == entry_id).values(**values))
        bump_generation(conn)
    return get_entry(conn, entry_id=entry_id, datasets=datasets)


def remove_entry(
    conn: Connection, *, entry_id: str, datasets: frozenset[str] | None = None
) -> None:
    """Remove an entry (its alerts stay, with the entry as it was in their evidence)."""
    get_entry(conn, entry_id=entry_id, datasets=datasets)
    conn.execute(delete(watch_entries).where(watch_entries.c.id == entry_id))
    bump_generation(conn)


def active_entries(conn: Connection) -> list[Entry]:
    """Every active entry, as the screening index holds it."""
    q = (
        select(watch_entries, watch_lists.c.dataset)
        .join(watch_lists, watch_lists.c.id == watch_entries.c.list_id)
        .where(watch_entries.c.active.is_(True))
    )
    return [_entry(r) for r in conn.execute(q)]


def _entry(r: Any) -> Entry:
    ids = tuple((str(i["type"]), str(i["value"])) for i in (r.identifiers or []))
    return Entry(
        id=r.id,
        list_id=r.list_id,
        dataset=r.dataset,
        kind=r.kind,
        name=r.name,
        identifiers=ids,
        birth_date=r.birth_date,
        country=r.country,
        reason=r.reason,
        priority=r.priority,
        valid_from=r.valid_from,
        valid_to=r.valid_to,
        entity_id=r.entity_id,
    )


# --- camera sources ----------------------------------------------------------------------------
def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def add_source(conn: Connection, *, source_id: str, name: str, dataset: str) -> str:
    """Register a camera source; returns its secret (shown once, stored hashed).

    The secret is 32 random bytes, so a SHA-256 of it is as safe as a slow hash and costs
    nothing per read (each read must be screened within a second).
    """
    if conn.execute(select(watch_sources.c.id).where(watch_sources.c.id == source_id)).first():
        raise WatchError(f"camera source {source_id!r} exists", hint="rotate its secret instead")
    secret = secrets.token_urlsafe(32)
    conn.execute(
        insert(watch_sources).values(
            id=source_id,
            name=name,
            dataset=dataset,
            secret_hash=_hash(secret),
            generation=1,
            active=True,
            created_at=now(),
        )
    )
    return secret


def rotate_source(conn: Connection, *, source_id: str, active: bool = True) -> str:
    """New secret (the old one stops working at once); ``active=False`` revokes the source."""
    secret = secrets.token_urlsafe(32)
    done = conn.execute(
        update(watch_sources)
        .where(watch_sources.c.id == source_id)
        .values(secret_hash=_hash(secret), generation=watch_sources.c.generation + 1, active=active)
    )
    if done.rowcount == 0:
        raise WatchNotFoundError(f"no camera source {source_id!r}")
    return secret


def authenticate_source(conn: Connection, *, source_id: str, secret: str) -> dict[str, Any]:
    row = conn.execute(select(watch_sources).where(watch_sources.c.id == source_id)).first()
    if row is None or not row.active or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        raise SourceAuthError("unknown camera source or wrong secret")
    return dict(row._mapping)


def list_sources(conn: Connection) -> list[dict[str, Any]]:
    q = select(
        watch_sources.c.id,
        watch_sources.c.name,
        watch_sources.c.dataset,
        watch_sources.c.active,
        watch_sources.c.created_at,
    )
    return [dict(r._mapping) for r in conn.execute(q.order_by(watch_sources.c.id))]


def today() -> date:
    return now().date()


def active_source(conn: Connection, *, source_id: str) -> dict[str, Any] | None:
    """An active camera source by id (for reads the MQTT broker already authenticated)."""
    row = conn.execute(select(watch_sources).where(watch_sources.c.id == source_id)).first()
    return dict(row._mapping) if row is not None and row.active else None
