"""The audit log for auditors: search it, verify its chain. Auditor role only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from pasienis.api.deps import AuditorDep, Principal, Role, require
from pasienis.security.anchor import AnchorConfig, check_anchor
from pasienis.security.audit import search_audit, verify_chain
from pasienis.security.schemas import AuditRead, VerifyRead
from pasienis.store.types import UtcTime

router = APIRouter(prefix="/api/audit", tags=["audit"])
AuditorRole = Annotated[Principal, Depends(require(Role.auditor))]


@router.get("")
def search(
    request: Request,
    _who: AuditorRole,
    audit: AuditorDep,
    user: Annotated[str | None, Query(max_length=128)] = None,
    entity: Annotated[str | None, Query(max_length=128)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    since: UtcTime | None = None,
    until: UtcTime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[AuditRead]:
    """Entries matching every filter, newest first (e.g. who looked at this person in March).

    ``since``/``until`` are ISO times; without a zone they are taken as UTC.
    """
    filters = {"user": user, "entity": entity, "action": action, "since": since, "until": until}
    with request.app.state.store.read() as conn:
        rows = search_audit(
            conn,
            user=user,
            entity=entity,
            action=action,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
    # Reading the audit log is itself a consultation of personal data.
    audit.record("audit.search", query={k: str(v) for k, v in filters.items() if v is not None})
    return [AuditRead(**r) for r in rows]


@router.get("/verify")
def verify(request: Request, _who: AuditorRole, audit: AuditorDep) -> VerifyRead:
    """Recompute the hash chain, name the first bad entry, compare with the latest anchor."""
    store = request.app.state.store
    result = verify_chain(store)
    anchored = check_anchor(store, AnchorConfig.from_settings(request.app.state.settings))
    ok = result.ok and anchored.ok
    audit.record("audit.verify", detail={"ok": ok, "first_bad": result.first_bad_seq})
    return VerifyRead(
        ok=ok,
        checked=result.checked,
        first_bad_seq=result.first_bad_seq,
        reason=result.reason if not result.ok else (None if anchored.ok else anchored.reason),
        anchor_seq=anchored.anchor.seq if anchored.anchor else None,
        anchor_at=anchored.anchor.at if anchored.anchor else None,
    )
