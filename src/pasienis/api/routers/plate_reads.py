"""Live plate reads from camera systems: authenticated per source, screened on arrival.

The source authenticates before the body is read (HTTP Basic ``source_id:secret`` or
``Authorization: Bearer source_id:secret``); each read is stored and screened in one
transaction and the answer lists the alerts it raised.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter, ValidationError

from pasienis.api.deps import basic_credentials, bearer_token, public
from pasienis.api.problems import problem
from pasienis.watch import PlateReadIn, SourceAuthError, WatchError, authenticate_source
from pasienis.watch import record_reads as store_reads

router = APIRouter(prefix="/api/watch", tags=["watch: live plate reads"])
MAX_READS = 1000
_READS = TypeAdapter(Annotated[list[PlateReadIn], "reads"])
_ONE = TypeAdapter(PlateReadIn)


def _source(request: Request) -> dict[str, Any]:
    creds = basic_credentials(request)
    if creds is None:
        token = bearer_token(request) or ""
        source_id, sep, secret = token.partition(":")
        creds = (source_id, secret) if sep else None
    if creds is None:
        raise SourceAuthError("send the camera source's credential (Basic or Bearer id:secret)")
    with request.app.state.store.read() as conn:
        return authenticate_source(conn, source_id=creds[0], secret=creds[1])


def _parse(raw: bytes) -> list[PlateReadIn]:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WatchError(f"the body is not JSON: {exc}") from exc
    if isinstance(data, list) and len(data) > MAX_READS:
        raise WatchError(f"{len(data)} reads in one request; at most {MAX_READS}")
    return _READS.validate_python(data) if isinstance(data, list) else [_ONE.validate_python(data)]


@router.post(
    "/plate-reads",
    dependencies=[Depends(public("camera sources authenticate with their own credential"))],
)
async def plate_reads(request: Request) -> Any:
    """One read or a list of reads: stored, screened, alerts raised — before the answer."""
    source = await run_in_threadpool(_source, request)
    raw = await request.body()
    try:
        reads = _parse(raw)
    except ValidationError as exc:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return problem(422, "invalid plate read", "validation", errors=errors)
    app = request.app
    out = await run_in_threadpool(
        store_reads, app.state.store, app.state.watch_cache, source=source, reads=reads
    )
    return {"source": source["id"], "reads": out}
