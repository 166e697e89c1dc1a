"""Position ingest endpoints: Traccar Client (OsmAnd + JSON), OwnTracks HTTP, our JSON.

Devices authenticate with their own per-device secret (ops checks it; nothing is stored for an
unknown device or a wrong secret), so these routes are ``public`` to the user-session layer.
The protocols themselves are :mod:`pasienis.api.position_ingest`, the same code the lean ingest
process (``pasienis serve-ingest``) runs.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from pasienis.api import position_ingest as ingest
from pasienis.api.deps import basic_credentials, bearer_token, public
from pasienis.ops.flows import Ops
from pasienis.ops.protocols.generic import parse_generic
from pasienis.ops.schemas import GenericFix, PositionAccepted

router = APIRouter(prefix="/api/positions", tags=["ops: positions"])
DEVICE_AUTH = public("devices authenticate with their own per-device secret, checked by ops")


def _ops(request: Request) -> Ops:
    return request.app.state.ops


@router.get("/osmand/{key}", operation_id="osmand_get", dependencies=[Depends(DEVICE_AUTH)])
@router.post("/osmand/{key}", operation_id="osmand_post", dependencies=[Depends(DEVICE_AUTH)])
async def osmand(key: str, request: Request) -> Response:
    """Traccar Client: server URL ``<base>/api/positions/osmand/<device secret>``.

    Accepts the OsmAnd query string (GET), the same fields as a form body (POST), or the JSON
    body of the newer client (POST application/json). Answers 200 with an empty body.
    """
    await ingest.osmand_key(_ops(request), request, key)
    return Response(status_code=200)


@router.get("/osmand", operation_id="osmand_basic_get", dependencies=[Depends(DEVICE_AUTH)])
@router.post("/osmand", operation_id="osmand_basic_post", dependencies=[Depends(DEVICE_AUTH)])
async def osmand_basic(request: Request) -> Response:
    """OsmAnd with the secret in HTTP Basic auth (user = device id) or ``?key=``."""
    await ingest.osmand_basic(_ops(request), request)
    return Response(status_code=200)


@router.post("/owntracks", dependencies=[Depends(DEVICE_AUTH)])
async def owntracks(request: Request) -> list[dict[str, Any]]:
    """OwnTracks HTTP mode: Basic auth (user = device id, password = secret).

    Answers 200 with a JSON array (empty: nothing for the phone). Zero-length bodies (the
    app's connectivity check) and non-location messages are accepted and ignored.
    """
    return await ingest.owntracks(_ops(request), request)


@router.post("", dependencies=[Depends(DEVICE_AUTH)], status_code=201)
async def generic(body: GenericFix, request: Request) -> PositionAccepted:
    """Our JSON format; the secret as ``Authorization: Bearer <secret>`` or Basic."""
    basic = basic_credentials(request)
    secret = bearer_token(request) or (basic[1] if basic else None)
    ops = _ops(request)
    device = await ingest.authenticate(ops, body.device_id, secret)
    stored = await ingest.accept(ops, parse_generic(body), device, want_id=True)
    return PositionAccepted(id=stored["id"], unit_id=stored["unit_id"], flags=stored["flags"])
