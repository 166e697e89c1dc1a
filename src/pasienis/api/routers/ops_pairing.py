"""Pairing a phone by a one-time link: administrators issue it, a signed-in crew member redeems it.

Issuing gives the device a fresh secret (the old one stops working, as with a rotation) and
answers with the pairing link, the OwnTracks remote configuration and the Traccar Client
settings, for the admin app to show as QR codes. Redeeming is the only way the secret leaves
the server a second time, once. Both, and every refused redemption, are in the audit log.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from pasienis.api.deps import Principal, Role, audit_read, require
from pasienis.api.sockets import device_subject
from pasienis.ops import pairing, service
from pasienis.ops.flows import Ops

router = APIRouter(prefix="/api/ops", tags=["ops: pairing"])
Admin = Annotated[Principal, Depends(require(Role.administrator))]
Crew = Annotated[
    Principal, Depends(require(Role.field_officer, Role.dispatcher, Role.administrator))
]


class PairingCreate(BaseModel):
    """How long the link lives (minutes)."""

    ttl_minutes: int = Field(pairing.DEFAULT_TTL_MINUTES, ge=1, le=pairing.MAX_TTL_MINUTES)


class PairingRedeem(BaseModel):
    """The token from the link's ``#pair=`` fragment."""

    token: str = Field(min_length=1, max_length=100)


def _ops(request: Request) -> Ops:
    return request.app.state.ops


def _base(request: Request) -> str:
    return _ops(request).settings.ops_public_url or str(request.base_url)


@router.post("/devices/{device_id}/pairing", status_code=201)
def issue_pairing(
    device_id: str, request: Request, p: Admin, body: PairingCreate | None = None
) -> dict[str, Any]:
    """A one-time pairing link for a device, with a fresh secret (shown once, here and there)."""
    ttl = (body or PairingCreate()).ttl_minutes
    ops = _ops(request)
    with ops.store.begin() as conn:
        secret = service.rotate_secret(conn, device_id=device_id)
        device = service.get_device(conn, device_id=device_id)
        unit = service.get_unit(conn, ref=device["unit_id"])
        token, expires = pairing.issue(
            conn, device_id=device_id, secret=secret, created_by=f"user:{p.name}", ttl_minutes=ttl
        )
    request.app.state.sockets.revoke(device_subject(device_id))
    audit_read(
        request,
        "device.pairing.issue",
        detail={"device_id": device_id, "unit_id": unit["id"], "expires_at": expires.isoformat()},
    )
    setup = service.device_setup(
        base_url=_base(request), device_id=device_id, secret=secret, call_sign=unit["call_sign"]
    )
    return pairing.pairing_setup(
        setup, call_sign=unit["call_sign"], base_url=_base(request), token=token, expires_at=expires
    )


@router.post("/pair")
def redeem_pairing(body: PairingRedeem, request: Request, p: Crew) -> dict[str, Any]:
    """Trade a pairing token for the device's credentials, once; audited either way."""
    ops = _ops(request)
    try:
        with ops.store.begin() as conn:
            device_id, secret = pairing.redeem(conn, token=body.token, used_by=f"user:{p.name}")
            unit = service.get_unit(
                conn, ref=service.get_device(conn, device_id=device_id)["unit_id"]
            )
    except pairing.PairingError:
        with ops.store.read() as conn:
            known = pairing.device_of(conn, token=body.token)
        audit_read(request, "device.pairing.refused", detail={"device_id": known})
        raise
    audit_read(
        request, "device.pairing.redeem", detail={"device_id": device_id, "unit_id": unit["id"]}
    )
    setup = service.device_setup(
        base_url=_base(request), device_id=device_id, secret=secret, call_sign=unit["call_sign"]
    )
    config = pairing.owntracks_config(setup, call_sign=unit["call_sign"])
    return {
        **setup,
        "call_sign": unit["call_sign"],
        "owntracks_config": config,
        "owntracks_link": pairing.owntracks_link(config),
    }
