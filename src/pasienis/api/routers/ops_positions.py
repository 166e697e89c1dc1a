"""Position ingest endpoints: Traccar Client (OsmAnd + JSON), OwnTracks HTTP, our JSON.

Devices authenticate with their own per-device secret (ops checks it; nothing is stored for an
unknown device or a wrong secret), so these routes are ``public`` to the user-session layer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from pasienis.api.deps import basic_credentials, bearer_token, public
from pasienis.ops.device_auth import REFUSED
from pasienis.ops.errors import BadFixError, DeviceAuthError
from pasienis.ops.fixes import Fix
from pasienis.ops.flows import Ops
from pasienis.ops.positions import accept_authenticated
from pasienis.ops.protocols.generic import parse_generic
from pasienis.ops.protocols.osmand import (
    osmand_device_id,
    parse_osmand,
    parse_traccar_json,
    traccar_json_device_id,
)
from pasienis.ops.protocols.owntracks import parse_location
from pasienis.ops.quality import FixRules
from pasienis.ops.schemas import GenericFix, PositionAccepted
from pasienis.ops.service import device_of_secret, verify_device

router = APIRouter(prefix="/api/positions", tags=["ops: positions"])
DEVICE_AUTH = public("devices authenticate with their own per-device secret, checked by ops")


def _ops(request: Request) -> Ops:
    return request.app.state.ops


async def _osmand_request(request: Request) -> tuple[str, Callable[[], Fix]]:
    """The device id of an OsmAnd/Traccar request, and how to parse its fix once it is known.

    Only the device id is read before the device is authenticated: a stranger's timestamps
    and coordinates are never parsed.
    """
    params: dict[str, str] = dict(request.query_params)
    if request.method == "POST":
        kind = request.headers.get("content-type", "")
        if "json" in kind:
            try:
                body = json.loads(await request.body() or b"{}")
            except ValueError as exc:
                raise BadFixError("the body is not a Traccar JSON position") from exc
            if not isinstance(body, dict):
                raise BadFixError("the body is not a Traccar JSON position")
            return traccar_json_device_id(body), lambda: parse_traccar_json(body)
        if "form" in kind:
            params.update({k: str(v) for k, v in (await request.form()).items()})
    return osmand_device_id(params), lambda: parse_osmand(params)


async def _device(request: Request, device_id: str, secret: str | None) -> dict[str, Any]:
    """The authenticated device, or :class:`DeviceAuthError` (401, one answer for an unknown
    device and a wrong secret). A device seen lately costs one hash (the credential
    generation is checked again when its fix is stored)."""
    ops = _ops(request)
    cached = ops.auth_cache.lookup(device_id, secret)
    if cached is not None:
        return cached
    device = await run_in_threadpool(verify_device, ops.store, device_id=device_id, secret=secret)
    if secret is not None:
        ops.auth_cache.remember(device, secret)
    return device


async def _device_of_secret(request: Request, secret: str | None) -> dict[str, Any] | None:
    """The device a secret alone names (``None``: not found, perhaps a legacy secret)."""
    ops = _ops(request)
    cached = ops.auth_cache.lookup_secret(secret)
    if cached is not None:
        return cached
    device = await run_in_threadpool(device_of_secret, ops.store, secret=secret)
    if device is not None and secret is not None:
        ops.auth_cache.remember(device, secret)
    return device


async def _accept(
    request: Request, fix: Fix, device: dict[str, Any], *, want_id: bool = False
) -> dict[str, Any]:
    """Store the fix through the group-commit writer; answered once its batch committed."""
    ops = _ops(request)
    if not ops.writer.running:  # an app used without its lifespan (scripts): store directly
        return await run_in_threadpool(
            accept_authenticated,
            ops.store,
            fix=fix,
            device=device,
            rules=FixRules.from_settings(ops.settings),
            hub=ops.hub,
        )
    try:
        return await ops.writer.submit(fix, device, want_id=want_id)
    except DeviceAuthError:
        ops.auth_cache.forget(str(device["id"]))  # rotated or deactivated meanwhile
        raise


async def _osmand(request: Request, secret: str | None, known_id: str | None = None) -> None:
    """Authenticate before the body is read: by the device id when the query string or the
    HTTP Basic user names it, else by the secret alone (the Traccar URL). Only a legacy
    (argon2) secret needs the id from the body; a body that cannot be read then is a 401, not
    a 400: the request was never authenticated. The fix is parsed only after."""
    device = (
        await _device(request, known_id, secret)
        if known_id
        else await _device_of_secret(request, secret)
    )
    try:
        device_id, parse = await _osmand_request(request)
    except BadFixError:
        if device is None:
            raise DeviceAuthError(REFUSED) from None
        raise
    if device is None:
        device = await _device(request, device_id, secret)
    elif device_id != device["id"]:
        raise DeviceAuthError(REFUSED)
    await _accept(request, parse(), device)


@router.get("/osmand/{key}", operation_id="osmand_get", dependencies=[Depends(DEVICE_AUTH)])
@router.post("/osmand/{key}", operation_id="osmand_post", dependencies=[Depends(DEVICE_AUTH)])
async def osmand(key: str, request: Request) -> Response:
    """Traccar Client: server URL ``<base>/api/positions/osmand/<device secret>``.

    Accepts the OsmAnd query string (GET), the same fields as a form body (POST), or the JSON
    body of the newer client (POST application/json). Answers 200 with an empty body.
    """
    query = request.query_params
    await _osmand(request, key, query.get("id") or query.get("deviceid"))
    return Response(status_code=200)


@router.get("/osmand", operation_id="osmand_basic_get", dependencies=[Depends(DEVICE_AUTH)])
@router.post("/osmand", operation_id="osmand_basic_post", dependencies=[Depends(DEVICE_AUTH)])
async def osmand_basic(request: Request) -> Response:
    """OsmAnd with the secret in HTTP Basic auth (user = device id) or ``?key=``."""
    basic = basic_credentials(request)
    query = request.query_params
    secret = basic[1] if basic else query.get("key")
    await _osmand(
        request, secret, basic[0] if basic else (query.get("id") or query.get("deviceid"))
    )
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
    device = await _device(request, basic[0], basic[1])  # before the body is read
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
    await _accept(request, fix, device)
    return []


@router.post("", dependencies=[Depends(DEVICE_AUTH)], status_code=201)
async def generic(body: GenericFix, request: Request) -> PositionAccepted:
    """Our JSON format; the secret as ``Authorization: Bearer <secret>`` or Basic."""
    basic = basic_credentials(request)
    secret = bearer_token(request) or (basic[1] if basic else None)
    device = await _device(request, body.device_id, secret)
    stored = await _accept(request, parse_generic(body), device, want_id=True)
    return PositionAccepted(id=stored["id"], unit_id=stored["unit_id"], flags=stored["flags"])
