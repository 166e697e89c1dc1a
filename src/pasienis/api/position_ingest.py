"""The device position protocols — one definition, served by two front ends.

Traccar Client (OsmAnd query string, form or JSON body) and OwnTracks HTTP, written against a
plain Starlette :class:`~starlette.requests.Request` and the process's :class:`Ops`. The
FastAPI routes of the main app (:mod:`pasienis.api.routers.ops_positions`) and the lean ingest
process (:mod:`pasienis.api.ingest_app`, ``pasienis serve-ingest``) both call these functions,
so authentication, parsing and storage are the same code on either port.

The rule for every protocol: the device is authenticated from what precedes the body (the
secret in the URL, HTTP Basic, the query string's device id) before the body is read; a body
that cannot be read on a request that is not yet authenticated is a 401, never a 400. A device
seen lately costs one hash (:class:`~pasienis.ops.device_auth.AuthCache`); its credential
generation is checked again in the transaction that stores the fix.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from pasienis.api.deps import basic_credentials
from pasienis.ops.device_auth import REFUSED
from pasienis.ops.errors import BadFixError, DeviceAuthError
from pasienis.ops.fixes import Fix
from pasienis.ops.flows import Ops
from pasienis.ops.positions import accept_authenticated
from pasienis.ops.protocols.osmand import (
    osmand_device_id,
    parse_osmand,
    parse_traccar_json,
    traccar_json_device_id,
)
from pasienis.ops.protocols.owntracks import parse_location
from pasienis.ops.quality import FixRules
from pasienis.ops.service import device_of_secret as secret_lookup
from pasienis.ops.service import verify_device


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


async def authenticate(ops: Ops, device_id: str, secret: str | None) -> dict[str, Any]:
    """The authenticated device, or :class:`DeviceAuthError` (401, one answer for an unknown
    device and a wrong secret). A device seen lately costs one hash (the credential
    generation is checked again when its fix is stored)."""
    cached = ops.auth_cache.lookup(device_id, secret)
    if cached is not None:
        return cached
    device = await run_in_threadpool(verify_device, ops.store, device_id=device_id, secret=secret)
    if secret is not None:
        ops.auth_cache.remember(device, secret)
    return device


async def device_of_secret(ops: Ops, secret: str | None) -> dict[str, Any] | None:
    """The device a secret alone names (``None``: not found, perhaps a legacy secret)."""
    cached = ops.auth_cache.lookup_secret(secret)
    if cached is not None:
        return cached
    device = await run_in_threadpool(secret_lookup, ops.store, secret=secret)
    if device is not None and secret is not None:
        ops.auth_cache.remember(device, secret)
    return device


async def accept(
    ops: Ops, fix: Fix, device: dict[str, Any], *, want_id: bool = False
) -> dict[str, Any]:
    """Store the fix through the group-commit writer; answered once its batch committed."""
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


async def osmand(ops: Ops, request: Request, secret: str | None, known_id: str | None) -> None:
    """Store one OsmAnd/Traccar fix.

    Authenticate before the body is read: by the device id when the query string or the
    HTTP Basic user names it, else by the secret alone (the Traccar URL). Only a legacy
    (argon2) secret needs the id from the body; a body that cannot be read then is a 401, not
    a 400: the request was never authenticated. The fix is parsed only after.
    """
    device = (
        await authenticate(ops, known_id, secret)
        if known_id
        else await device_of_secret(ops, secret)
    )
    try:
        device_id, parse = await _osmand_request(request)
    except BadFixError:
        if device is None:
            raise DeviceAuthError(REFUSED) from None
        raise
    if device is None:
        device = await authenticate(ops, device_id, secret)
    elif device_id != device["id"]:
        raise DeviceAuthError(REFUSED)
    await accept(ops, parse(), device)


async def osmand_key(ops: Ops, request: Request, key: str) -> None:
    """Traccar Client: ``<base>/api/positions/osmand/<device secret>``."""
    query = request.query_params
    await osmand(ops, request, key, query.get("id") or query.get("deviceid"))


async def osmand_basic(ops: Ops, request: Request) -> None:
    """OsmAnd with the secret in HTTP Basic auth (user = device id) or ``?key=``."""
    basic = basic_credentials(request)
    query = request.query_params
    secret = basic[1] if basic else query.get("key")
    await osmand(
        ops, request, secret, basic[0] if basic else (query.get("id") or query.get("deviceid"))
    )


async def owntracks(ops: Ops, request: Request) -> list[dict[str, Any]]:
    """OwnTracks HTTP mode: Basic auth (user = device id, password = secret).

    Returns what to answer (an empty JSON array: nothing for the phone). Zero-length bodies
    (the app's connectivity check) and non-location messages are accepted and ignored.
    """
    basic = basic_credentials(request)
    if basic is None:
        raise DeviceAuthError("OwnTracks needs HTTP Basic auth (device id : secret)")
    device = await authenticate(ops, basic[0], basic[1])  # before the body is read
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
    await accept(ops, fix, device)
    return []
