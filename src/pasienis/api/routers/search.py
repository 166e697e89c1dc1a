"""Search: one query box over the entities the caller's datasets hold (audited)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from pasienis.api.deps import AuditorDep, Principal, Role, require, visible_datasets
from pasienis.search import QueryError, SearchQuery, search
from pasienis.search.schemas import MAX_LIMIT, MAX_QUERY_LENGTH

router = APIRouter(prefix="/api", tags=["search"])
# Search hits are personal data: analysts only, through their dataset grants.
Reader = Annotated[Principal, Depends(require(Role.analyst))]
Many = Annotated[list[str] | None, Query()]


@router.get("/search")
def search_route(
    request: Request,
    principal: Reader,
    audit: AuditorDep,
    q: Annotated[str, Query(description=f"Name, code or plate (≤ {MAX_QUERY_LENGTH} characters)")],
    schema: Many = None,
    country: Many = None,
    dataset: Many = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> dict[str, Any]:
    """Ranked entities with highlighted snippets and facets (schema, country, dataset)."""
    settings = request.app.state.settings
    if settings.search_require_purpose and not audit.purpose:
        audit.record("search", query=q, outcome="denied", detail={"why": "no purpose"})
        raise QueryError("a search needs a stated purpose", hint="send the X-Purpose header")
    query = SearchQuery(
        text=q,
        schemas=tuple(schema or ()),
        countries=tuple(country or ()),
        datasets=tuple(dataset or ()),
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    store = request.app.state.store
    datasets = visible_datasets(principal)

    params = {
        "q": q,
        "schema": schema,
        "country": country,
        "dataset": dataset,
        "offset": offset,
        "date_from": str(date_from or ""),
        "date_to": str(date_to or ""),
    }
    try:
        with store.read() as conn:
            result = search(store, conn, query, datasets=datasets).to_dict()
    except QueryError:
        audit.record("search", query=params, outcome="failed")
        raise
    ids = [h["entity_id"] for h in result["hits"]]
    audit.record("search", query=params, entity_ids=ids, detail={"total": result["total"]})
    return result
