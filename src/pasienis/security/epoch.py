"""The security epoch: one counter that moves whenever anything a principal is built from
changes.

A :class:`~pasienis.security.principals.Principal` is folded from seven tables: the
credential (``api_tokens`` or ``sessions``), the account (``users``), its ``user_roles``, its
``group_members`` rows, the ``access_grants`` to it or its groups (dataset grants read and
write, and case grants — a case's members are case grants), and the ``datasets`` whose
classification its clearance covers. Triggers on each of them (created by migration 0026,
SQL in :mod:`pasienis.store.dialects`) raise ``security_epoch.value`` inside the writing
transaction, whoever writes: the API, the CLI, a job, another worker or host, or an
administrator's hand-written ``UPDATE``. So one indexed read of the counter tells any process
whether a principal it folded earlier may still be used (:mod:`.principal_cache`): the
counter commits together with the change, and rolls back with it.

Not among them, on purpose: ``cases`` (a case's row says nothing about who may see it, and
every item added to a case touches it), ``user_identities`` (read once at an OpenID sign-in,
which then starts a session), ``login_attempts`` and ``audit_log``.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from pasienis.security.models import security_epoch

#: The counter table (one row, ``id = 1``).
EPOCH_TABLE = "security_epoch"
#: Every table a principal is read from: each carries the triggers that raise the epoch.
#: ``tests/security/test_principal_cache.py`` checks that a principal is built from these
#: tables and no others, and that a raw change to each one moves the epoch.
EPOCH_TABLES: tuple[str, ...] = (
    "users",
    "user_roles",
    "group_members",
    "access_grants",
    "datasets",
    "api_tokens",
    "sessions",
)

_READ = select(security_epoch.c.value).where(security_epoch.c.id == 1)


def current_epoch(conn: Connection) -> int | None:
    """The epoch as ``conn`` sees it; ``None`` when its row is missing (then nothing may be
    cached: the triggers would have nothing to raise)."""
    value = conn.execute(_READ).scalar()
    return None if value is None else int(value)
