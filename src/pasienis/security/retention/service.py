"""Retention policies, their status, the review queue, and ``apply`` (erasure).

Every scope — each registered dataset, each event table, each registered table — either has
a period (set by an administrator, or a registered default) or is in the review queue as
"no period". A scope whose data passed its period is listed for review until ``apply``
erases it, unless an administrator put it on hold at a review (until a date, with a note).
Each erasure and each review decision writes one audit entry that names the scope, cutoff
and counts — never an entity id or a value, so the audit log keeps no erased personal data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, select

from pasienis.model.events import EVENT_TABLES
from pasienis.security.audit import AuditEntry, append_in
from pasienis.security.errors import RetentionError, UnknownRetentionScopeError
from pasienis.security.models import datasets
from pasienis.security.retention import erase
from pasienis.security.retention.models import retention_policies
from pasienis.security.retention.registry import Erasers
from pasienis.security.users import now as utc_now
from pasienis.store import Store

ScopeKind = Literal["dataset", "table"]
KINDS: tuple[str, ...] = ("dataset", "table")
MAX_DAYS = 36_500  # a century: anything longer is a mistake, and overflows date arithmetic


@dataclass
class ScopeStatus:
    """Where one dataset or table stands: its period, what expired, when it is reviewed."""

    scope_kind: str
    scope: str
    period_days: int | None
    source: str  # "policy", "default" or "none"
    cutoff: datetime | None = None
    expired: dict[str, int] = field(default_factory=dict)
    next_review_at: datetime | None = None
    hold_until: datetime | None = None
    basis: str | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "needs_review": self.needs_review}


def set_policy(
    conn: Connection,
    *,
    scope_kind: str,
    scope: str,
    period_days: int,
    review_every_days: int,
    basis: str | None,
    actor: str,
    erasers: Erasers,
) -> dict[str, Any]:
    """Create or replace the policy of one scope (audited); the next review is due in
    ``review_every_days``."""
    _check_scope(conn, scope_kind, scope, erasers)
    if not (1 <= period_days <= MAX_DAYS and 1 <= review_every_days <= MAX_DAYS):
        raise RetentionError(f"a retention period and a review interval are 1 to {MAX_DAYS} days")
    now = utc_now()
    values = {
        "period_days": period_days,
        "review_every_days": review_every_days,
        "next_review_at": now + timedelta(days=review_every_days),
        "basis": basis,
        "updated_by": actor,
        "updated_at": now,
    }
    where = _where(scope_kind, scope)
    if conn.execute(select(retention_policies.c.scope).where(where)).first():
        conn.execute(retention_policies.update().where(where).values(**values))
    else:
        conn.execute(
            retention_policies.insert().values(scope_kind=scope_kind, scope=scope, **values)
        )
    _audit(conn, "retention.policy", actor, scope_kind, scope, period_days=period_days,
           review_every_days=review_every_days)  # fmt: skip
    return get_policy(conn, scope_kind=scope_kind, scope=scope)


def get_policy(conn: Connection, *, scope_kind: str, scope: str) -> dict[str, Any]:
    row = conn.execute(select(retention_policies).where(_where(scope_kind, scope))).mappings()
    found = row.first()
    if found is None:
        raise UnknownRetentionScopeError(f"no retention policy for {scope_kind} {scope!r}")
    return dict(found)


def list_policies(conn: Connection) -> list[dict[str, Any]]:
    query = select(retention_policies).order_by(
        retention_policies.c.scope_kind, retention_policies.c.scope
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def review(
    conn: Connection,
    *,
    scope_kind: str,
    scope: str,
    actor: str,
    hold_until: datetime | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """An administrator's review: the period stands (next review date moves on), and expired
    data is either left to ``apply`` or kept on hold until ``hold_until``."""
    policy = get_policy(conn, scope_kind=scope_kind, scope=scope)
    now = utc_now()
    if hold_until is not None and hold_until <= now:
        raise RetentionError("a hold ends in the future")
    conn.execute(
        retention_policies.update()
        .where(_where(scope_kind, scope))
        .values(
            next_review_at=now + timedelta(days=policy["review_every_days"]),
            hold_until=hold_until,
            last_reviewed_by=actor,
            last_reviewed_at=now,
        )
    )
    _audit(conn, "retention.review", actor, scope_kind, scope, note=note,
           hold_until=hold_until.isoformat() if hold_until else None)  # fmt: skip
    return get_policy(conn, scope_kind=scope_kind, scope=scope)


def status(conn: Connection, erasers: Erasers, *, now: datetime | None = None) -> list[ScopeStatus]:
    """Every scope with its period, expired counts and review state."""
    now = now or utc_now()
    policies = {(p["scope_kind"], p["scope"]): p for p in list_policies(conn)}
    return [
        _status(conn, erasers, kind, scope, policies.get((kind, scope)), now)
        for kind, scope in _scopes(conn, erasers, policies)
    ]


def review_queue(
    conn: Connection, erasers: Erasers, *, now: datetime | None = None
) -> list[ScopeStatus]:
    """The scopes an administrator must look at: no period, data past it, review due."""
    return [s for s in status(conn, erasers, now=now) if s.needs_review]


def apply(
    store: Store, erasers: Erasers, *, actor: str, dry_run: bool = False
) -> list[dict[str, Any]]:
    """Erase every scope's expired data (not on hold), one transaction and audit entry each.

    With ``dry_run`` nothing changes: the answer says what would be erased.
    """
    with store.read() as conn:
        due = [s for s in status(conn, erasers) if s.cutoff and any(s.expired.values())]
    report = []
    for item in due:
        if item.hold_until is not None:
            report.append({**_ref(item), "held_until": item.hold_until, "erased": {}})
            continue
        if dry_run:
            report.append({**_ref(item), "would_erase": item.expired})
            continue
        with store.begin() as conn:
            erased = {k: v for k, v in _erase(conn, erasers, item).items() if v}
            _audit(conn, "retention.erase", actor, item.scope_kind, item.scope,
                   cutoff=item.cutoff.isoformat(), period_days=item.period_days,
                   erased=erased)  # fmt: skip
        report.append({**_ref(item), "erased": erased})
    return report


def _erase(conn: Connection, erasers: Erasers, item: ScopeStatus) -> dict[str, int]:
    assert item.cutoff is not None
    cutoff, scope = item.cutoff, item.scope
    if item.scope_kind == "dataset":
        done = erase.erase_statements(conn, scope, cutoff, erasers)
        for table in EVENT_TABLES:
            for name, n in erase.erase_events(conn, table, cutoff, erasers, dataset=scope).items():
                done[name] = done.get(name, 0) + n
        for name, eraser in erasers.datasets.items():
            done[name] = eraser.erase(conn, scope, cutoff)
        return done
    if scope in EVENT_TABLES:
        return erase.erase_events(conn, scope, cutoff, erasers, dataset=None)
    return {scope: erasers.tables[scope].erase(conn, cutoff)}


def _status(
    conn: Connection,
    erasers: Erasers,
    kind: str,
    scope: str,
    policy: dict[str, Any] | None,
    now: datetime,
) -> ScopeStatus:
    default = erasers.tables[scope].default_days if scope in erasers.tables else None
    days = policy["period_days"] if policy else default
    item = ScopeStatus(kind, scope, days, "policy" if policy else "default" if days else "none")
    if policy:
        item.next_review_at, item.basis = policy["next_review_at"], policy["basis"]
        hold = policy["hold_until"]
        item.hold_until = hold if hold is not None and hold > now else None
        if policy["next_review_at"] <= now:
            item.reasons.append("review due")
    if days is None:
        item.reasons.append("no retention period")
        return item
    item.cutoff = now - timedelta(days=days)
    item.expired = _count(conn, erasers, kind, scope, item.cutoff)
    if any(item.expired.values()):
        item.reasons.append("on hold" if item.hold_until else "data past its period")
    return item


def _count(
    conn: Connection, erasers: Erasers, kind: str, scope: str, cutoff: datetime
) -> dict[str, int]:
    if kind == "dataset":
        counts = erase.count_statements(conn, scope, cutoff)
        counts.update(erase.count_events(conn, cutoff, dataset=scope, tables=list(EVENT_TABLES)))
        for name, eraser in erasers.datasets.items():
            counts[name] = eraser.count(conn, scope, cutoff)
        return {k: v for k, v in counts.items() if v}
    if scope in EVENT_TABLES:
        return {k: v for k, v in erase.count_events(conn, cutoff, tables=[scope]).items() if v}
    found = erasers.tables[scope].count(conn, cutoff)
    return {scope: found} if found else {}


def _scopes(
    conn: Connection, erasers: Erasers, policies: dict[tuple[str, str], Any]
) -> list[tuple[str, str]]:
    names = set(conn.execute(select(datasets.c.name)).scalars())
    scopes = {("dataset", n) for n in names}
    scopes |= {("table", t) for t in (*EVENT_TABLES, *erasers.tables)}
    scopes |= {k for k in policies if k[0] == "dataset" or _known_table(k[1], erasers)}
    return sorted(scopes)


def _known_table(name: str, erasers: Erasers) -> bool:
    return name in EVENT_TABLES or name in erasers.tables


def _check_scope(conn: Connection, kind: str, scope: str, erasers: Erasers) -> None:
    if kind not in KINDS:
        raise RetentionError(f"unknown retention scope kind {kind!r}", hint="dataset or table")
    if kind == "table" and not _known_table(scope, erasers):
        known = ", ".join(sorted((*EVENT_TABLES, *erasers.tables)))
        raise UnknownRetentionScopeError(
            f"no table {scope!r} is under retention", hint=f"one of: {known}"
        )
    if (
        kind == "dataset"
        and not conn.execute(select(datasets.c.name).where(datasets.c.name == scope)).first()
    ):
        raise UnknownRetentionScopeError(f"no dataset {scope!r}")


def _where(kind: str, scope: str) -> Any:
    return (retention_policies.c.scope_kind == kind) & (retention_policies.c.scope == scope)


def _ref(item: ScopeStatus) -> dict[str, Any]:
    return {"scope_kind": item.scope_kind, "scope": item.scope, "cutoff": item.cutoff}


def _audit(conn: Connection, action: str, actor: str, kind: str, scope: str, **detail: Any) -> None:
    """Scope, dates and counts only: no entity id, no value of what was erased."""
    append_in(
        conn,
        AuditEntry(
            action=action,
            actor_name=actor,
            detail={"scope_kind": kind, "scope": scope, **detail},
        ),
    )
