"""Watchlists and their entries; camera sources. Entries are read through dataset grants."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from pasienis.api.deps import AuditorDep, Principal, Role, require, visible_datasets
from pasienis.errors import NotFoundError
from pasienis.watch import (
    EntryCreate,
    EntryUpdate,
    WatchlistCreate,
    add_entry,
    add_source,
    create_list,
    get_entry,
    list_entries,
    list_lists,
    list_sources,
    remove_entry,
    rotate_source,
    update_entry,
)

router = APIRouter(prefix="/api", tags=["watch"])
# Listed people are personal data: analysts read and edit the lists their grants open.
Analyst = Annotated[Principal, Depends(require(Role.analyst))]
Admin = Annotated[Principal, Depends(require(Role.administrator))]


def _store(request: Request) -> Any:
    return request.app.state.store


@router.get("/watchlists")
def watchlists(request: Request, principal: Analyst) -> list[dict[str, Any]]:
    """Watchlists whose dataset the caller may read."""
    with _store(request).read() as conn:
        return list_lists(conn, datasets=visible_datasets(principal))


@router.post("/watchlists", status_code=201)
def new_watchlist(
    request: Request, body: WatchlistCreate, principal: Analyst, audit: AuditorDep
) -> dict[str, Any]:
    """Create a watchlist in a dataset the caller may read (its compartment)."""
    if body.dataset not in visible_datasets(principal):
        raise NotFoundError(f"no dataset {body.dataset!r} the caller may use")
    with _store(request).begin() as conn:
        row = create_list(
            conn,
            name=body.name,
            dataset=body.dataset,
            owner=principal.name,
            description=body.description,
        )
    audit.record("watch.list.create", detail={"list": row["id"], "dataset": body.dataset})
    return row


@router.get("/watchlists/{list_ref}/entries")
def entries(
    request: Request,
    list_ref: str,
    principal: Analyst,
    audit: AuditorDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    """Entries of a watchlist (by id or name)."""
    with _store(request).read() as conn:
        rows = list_entries(
            conn,
            list_ref=list_ref,
            datasets=visible_datasets(principal),
            limit=limit,
            offset=offset,
        )
    audit.record(
        "watch.entries.read",
        entity_ids=[r["entity_id"] for r in rows if r["entity_id"]],
        detail={"list": list_ref, "count": len(rows)},
    )
    return rows


@router.post("/watchlists/{list_ref}/entries", status_code=201)
def new_entry(
    request: Request, list_ref: str, body: EntryCreate, principal: Analyst, audit: AuditorDep
) -> dict[str, Any]:
    """List a person, company, vehicle or phone, with reason, owner, validity and priority."""
    with _store(request).begin() as conn:
        row = add_entry(
            conn,
            list_ref=list_ref,
            body=body,
            owner=principal.name,
            datasets=visible_datasets(principal),
        )
    audit.record("watch.entry.add", detail={"entry": row["id"], "list": row["list_id"]})
    return row


@router.get("/watchlists/entries/{entry_id}")
def entry(request: Request, entry_id: str, principal: Analyst, audit: AuditorDep) -> dict:
    with _store(request).read() as conn:
        row = get_entry(conn, entry_id=entry_id, datasets=visible_datasets(principal))
    audit.record("watch.entry.read", detail={"entry": entry_id})
    return row


@router.patch("/watchlists/entries/{entry_id}")
def edit_entry(
    request: Request, entry_id: str, body: EntryUpdate, principal: Analyst, audit: AuditorDep
) -> dict[str, Any]:
    with _store(request).begin() as conn:
        row = update_entry(conn, entry_id=entry_id, body=body, datasets=visible_datasets(principal))
    audit.record(
        "watch.entry.update",
        detail={"entry": entry_id, "fields": sorted(body.model_dump(exclude_unset=True))},
    )
    return row


@router.delete("/watchlists/entries/{entry_id}", status_code=204)
def delete_entry(request: Request, entry_id: str, principal: Analyst, audit: AuditorDep) -> None:
    with _store(request).begin() as conn:
        remove_entry(conn, entry_id=entry_id, datasets=visible_datasets(principal))
    audit.record("watch.entry.remove", detail={"entry": entry_id})


@router.get("/watch/sources")
def sources(request: Request, principal: Admin) -> list[dict[str, Any]]:
    """Camera sources allowed to send live plate reads (never their secrets)."""
    with _store(request).read() as conn:
        return list_sources(conn)


@router.post("/watch/sources", status_code=201)
def new_source(
    request: Request,
    principal: Admin,
    audit: AuditorDep,
    source_id: Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[\w.\-]+$")],
    name: Annotated[str, Query(min_length=1, max_length=128)],
    dataset: Annotated[str, Query(min_length=1, max_length=64)],
) -> dict[str, str]:
    """Register a camera source; the secret is shown in this answer only."""
    with _store(request).begin() as conn:
        secret = add_source(conn, source_id=source_id, name=name, dataset=dataset)
    audit.record("watch.source.create", detail={"source": source_id, "dataset": dataset})
    return {"source_id": source_id, "secret": secret}


@router.post("/watch/sources/{source_id}/rotate")
def rotate(
    request: Request, source_id: str, principal: Admin, audit: AuditorDep, revoke: bool = False
) -> dict[str, str]:
    """A new secret (the old one stops at once); ``revoke=true`` disables the source."""
    with _store(request).begin() as conn:
        secret = rotate_source(conn, source_id=source_id, active=not revoke)
    audit.record("watch.source.rotate", detail={"source": source_id, "revoked": revoke})
    return {"source_id": source_id, "secret": "" if revoke else secret}
