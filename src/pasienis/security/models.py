"""Tables of the security capability (declared on the shared metadata).

Secrets are never stored: passwords as argon2 hashes, sessions and tokens as SHA-256 of
high-entropy random values. The audit log is append-only and hash-chained; ``audit_head``
is the single chain-head row every append locks, so appends are serialised on both engines.
``security_epoch`` is one counter that database triggers raise on every change to the tables
a :class:`~pasienis.security.principals.Principal` is built from (:mod:`.epoch`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

users = Table(
    "users",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(128), nullable=False, unique=True, comment="login name"),
    Column("display_name", String(256), nullable=True),
    Column("password_hash", Text, nullable=True, comment="argon2; empty for OIDC-only"),
    Column("clearance", String(16), nullable=False, comment="highest classification seen"),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("password_changed_at", UTCDateTime, nullable=True),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", String(40), ForeignKey("users.id"), primary_key=True),
    Column("role", String(32), primary_key=True),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_name", String(128), primary_key=True),
    Column("user_id", String(40), ForeignKey("users.id"), primary_key=True),
)

datasets = Table(
    "datasets",
    metadata,
    Column("name", String(64), primary_key=True, comment="statements.dataset"),
    Column("title", String(256), nullable=True),
    Column("classification", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

access_grants = Table(
    "access_grants",
    metadata,
    Column("resource_kind", String(16), primary_key=True, comment="dataset or case"),
    Column("resource", String(128), primary_key=True, comment="name or id; * is every one"),
    Column("grantee_kind", String(16), primary_key=True, comment="user or group"),
    Column("grantee", String(128), primary_key=True, comment="user id or group name"),
    Column(
        "permission",
        String(8),
        nullable=False,
        server_default="read",
        comment="read, or write (which includes read)",
    ),
    Column("granted_by", String(128), nullable=True),
    Column("granted_at", UTCDateTime, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True, comment="SHA-256 of the cookie value"),
    Column("user_id", String(40), ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ip", String(64), nullable=True),
    Column("user_agent", String(300), nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(64), primary_key=True, comment="SHA-256 of the token"),
    Column("user_id", String(40), ForeignKey("users.id"), nullable=False, index=True),
    Column("label", String(128), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("account", String(128), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("success", Boolean, nullable=False),
)
Index("ix_login_attempts_account_at", login_attempts.c.account, login_attempts.c.at)
Index("ix_login_attempts_ip_at", login_attempts.c.ip, login_attempts.c.at)

oidc_states = Table(
    "oidc_states",
    metadata,
    Column("state", String(64), primary_key=True),
    Column("nonce", String(64), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor_id", String(40), nullable=True),
    Column("actor_name", String(128), nullable=True, index=True),
    Column("actor_kind", String(16), nullable=True),
    Column("action", String(64), nullable=False, index=True),
    Column("entity_ids", Text, nullable=False, comment="JSON list"),
    Column("query", Text, nullable=True, comment="JSON"),
    Column("detail", Text, nullable=False, comment="JSON object"),
    Column("purpose", Text, nullable=True),
    Column("ip", String(64), nullable=True),
    Column("user_agent", String(300), nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, comment="always 1"),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

user_identities = Table(
    "user_identities",
    metadata,
    Column("issuer", String(512), primary_key=True, comment="OpenID issuer (iss)"),
    Column("subject", String(255), primary_key=True, comment="the issuer's stable id (sub)"),
    Column("user_id", String(40), ForeignKey("users.id"), nullable=False, index=True),
    Column("linked_at", UTCDateTime, nullable=False),
    Column("linked_by", String(128), nullable=True, comment="administrator, or first sign-in"),
)

login_guard = Table(
    "login_guard",
    metadata,
    Column(
        "id",
        Integer,
        primary_key=True,
        autoincrement=False,
        comment="always 1: locked while a sign-in attempt is checked and recorded",
    ),
)

security_epoch = Table(
    "security_epoch",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, comment="always 1"),
    Column(
        "value",
        BigInteger,
        nullable=False,
        comment="raised by triggers on every change a principal is built from",
    ),
)
