"""Position ingest endpoints: Traccar Client (OsmAnd + JSON), OwnTracks HTTP, our JSON.

Devices authenticate with their own per-device secret (ops checks it; nothing is stored for an
unknown device or a wrong secret), so these routes are ``public`` to the user-session layer.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from pasienis.api.deps import basic_credentials, bearer_token, public
from pasienis.ops.device_auth import REFUSED
from pasienis.ops.errors import BadFixError, DeviceAuthError
from pasienis.ops.flows import Ops
from pasienis.ops.positions import accept_authenticated, accept_fix
from pasienis.ops.protocols.generic import parse_generic
from pasienis.ops.protocols.osmand import parse_osmand, parse_traccar_json
from pasienis.ops.protocols.owntracks import parse_location
from pasienis.ops.quality import FixRules
from pasienis.ops.schemas import GenericFix, PositionAccepted
from pasienis.ops.service import verify_device

router = APIRouter(prefix="/api/positions", tags=["ops: positions"])
DEVICE_AUTH = public("devices authenticate with their own per-device secret, checked by ops")


def _ops(request: Request) -> Ops:
    return request.app.state.ops


async def _osmand_fix(request: Request) -> Any:
    params: dict[str, str] = dict(request.query_params)
    if request.method == "POST":
        kind = request.headers.get("content-type", "")
        if "json" in kind:
            try:
                return parse_traccar_json(json.loads(await request.body() or b"{}"))
            except (ValueError, AttributeError) as exc:
                raise BadFixError("the body is not a Traccar JSON position") from exc
        if "form" in kind:
            params.update({k: str(v) for k, v in (await request.form()).items()})
    return parse_osmand(params)


async def _accept(
    request: Request, fix: Any, secret: str | None, device: dict[str, Any] | None = None
) -> dict[str, Any]:
    ops = _ops(request)
    rules = FixRules.from_settings(ops.settings)
    if device is not None:
        if str(fix.device_id) != device["id"]:
            raise DeviceAuthError(REFUSED)
        return await run_in_threadpool(
            accept_authenticated, ops.store, fix=fix, device=device, rules=rules, hub=ops.hub
        )
    return await run_in_threadpool(
        accept_fix, ops.store, fix=fix, secret=secret, rules=rules, hub=ops.hub
    )


async def _device_first(request: Request, device_id: str | None, secret: str | None) -> Any:
    """Authenticate before the body is read or parsed, when the device id is known already
    (query string, HTTP Basic user): a wrong secret is 401 whatever the body holds."""
    if not device_id:
        return None
    store = _ops(request).store
    return await run_in_threadpool(verify_device, store, device_id=device_id, secret=secret)


@router.get("/osmand/{key}", operation_id="osmand_get", dependencies=[Depends(DEVICE_AUTH)])
@router.post("/osmand/{key}", operation_id="osmand_post", dependencies=[Depends(DEVICE_AUTH)])
async def osmand(key: str, request: Request) -> Response:
    """Traccar Client: server URL ``<base>/api/positions/osmand/<device secret>``.

    Accepts the OsmAnd query string (GET), the same fields as a form body (POST), or the JSON
    body of the newer client (POST application/json). Answers 200 with an empty body.
    """
    query = request.query_params
    device = await _device_first(request, query.get("id") or query.get("deviceid"), key)
    await _accept(request, await _osmand_fix(request), key, device)
    return Response(status_code=200)


@router.get("/osmand", operation_id="osmand_basic_get", dependencies=[Depends(DEVICE_AUTH)])
@router.post("/osmand", operation_id="osmand_basic_post", dependencies=[Depends(DEVICE_AUTH)])
async def osmand_basic(request: Request) -> Response:
    """OsmAnd with the secret in HTTP Basic auth (user = device id) or ``?key=``."""
    basic = basic_credentials(request)
    secret = basic[1] if basic else request.query_params.get("key")
    query = request.query_params
    device_id = basic[0] if basic else (query.get("id") or query.get("deviceid"))
    device = await _device_first(request, device_id, secret)
    await _accept(request, await _osmand_fix(request), secret, device)
    return Response(status_code=200)


@router.post("/owntracks", dependencies=[Depends(DEVICE_AUTH)])
async def owntracks(request: Request) -> list[dict[str, Any]]:
    """OwnTracks HTTP mode: Basic auth (user = device id, password = secret).

    Answers 200 with a JSON array (empty: nothing for the phone). Zero-length bodies (the
    app's connectivity check) and non-location messages are accepted and ignored.
    """
    basic = basic_credentials(request)
    if basic is None:
        raise DeviceAuthError("OwnTracks needs HTTP Basic auth (device id : secret)")
    device = await _device_first(request, basic[0], basic[1])
    body = await request.body()
    if not body:
        return []
    try:
        message = json.loads(body)
    except ValueError as exc:
        raise BadFixError("the body is not JSON") from exc
    if not isinstance(message, dict) or message.get("_type") != "location":
        return []
    fix = parse_location(message, device_id=basic[0], source="owntracks")
    fix.attributes.update(
        {
            k: request.headers[h]
            for k, h in (("limit_u", "x-limit-u"), ("limit_d", "x-limit-d"))
            if h in request.headers
        }
    )
    await _accept(request, fix, basic[1], device)
    return []


@router.post("", dependencies=[Depends(DEVICE_AUTH)], status_code=201)
async def generic(body: GenericFix, request: Request) -> PositionAccepted:
    """Our JSON format; the secret as ``Authorization: Bearer <secret>`` or Basic."""
    basic = basic_credentials(request)
    secret = bearer_token(request) or (basic[1] if basic else None)
    stored = await _accept(request, parse_generic(body), secret)
    return PositionAccepted(id=stored["id"], unit_id=stored["unit_id"], flags=stored["flags"])
