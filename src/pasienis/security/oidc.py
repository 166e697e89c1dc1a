"""OpenID Connect sign-in: authorization-code flow with PKCE (S256), state and nonce.

The provider is found by discovery (``<issuer>/.well-known/openid-configuration``); the ID
token is verified with the provider's JWKS (signature, issuer, audience, expiry, nonce).
Both are cached per process (discovery for :data:`DISCOVERY_TTL`, the JWKS client with its
own key cache, refetched when a token names an unknown key), not fetched on every sign-in.

The account is found by the identity's (``iss``, ``sub``) — the only pair the OpenID
specification guarantees to be unique and stable — in ``user_identities``; a name claim such
as ``preferred_username`` may be reused or chosen by the user. An administrator links an
identity to an existing local account (which holds the roles: the provider proves who
someone is, pasienis decides what they may do); ``oidc_link_on_first_sign_in`` lets the first
sign-in link by ``oidc_username_claim`` instead, for providers that guarantee that claim.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy import Connection, delete, insert, select

from pasienis.config import Settings
from pasienis.security.errors import ForbiddenError, OidcError, UnknownUserError
from pasienis.security.models import oidc_states, user_identities, users
from pasienis.security.users import now
from pasienis.store import Store

STATE_TTL = timedelta(minutes=10)
TIMEOUT_S = 10
#: How long a discovery document is reused before it is read again.
DISCOVERY_TTL_S = 3600.0
#: How long PyJWKClient keeps the provider's key set (it refetches on an unknown key id).
JWKS_LIFESPAN_S = 3600
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


@dataclass(frozen=True)
class Provider:
    """The endpoints discovered for the configured issuer."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def enabled(settings: Settings) -> bool:
    """Whether OIDC sign-in is configured."""
    return bool(settings.oidc_issuer and settings.oidc_client_id and settings.oidc_redirect_url)


def _check_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise OidcError(f"refusing non-HTTPS OpenID endpoint {url!r}")
    return url


def _fetch_json(url: str, data: dict[str, str] | None = None) -> dict[str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(  # noqa: S310 - scheme checked by _check_url
        _check_url(url), data=body, headers={"Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - checked
            return dict(json.loads(response.read()))
    except (OSError, ValueError) as exc:
        raise OidcError(f"the OpenID provider did not answer properly: {exc}") from exc


class _Cache:
    """Discovered providers and JWKS clients of this process, per issuer / JWKS URL."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.providers: dict[str, tuple[float, Provider]] = {}
        self.jwks: dict[str, jwt.PyJWKClient] = {}

    def clear(self) -> None:
        with self.lock:
            self.providers.clear()
            self.jwks.clear()


_cache = _Cache()


def discover(settings: Settings) -> Provider:
    """The provider's endpoints: its discovery document, cached for ``DISCOVERY_TTL_S``."""
    if not enabled(settings):
        raise OidcError("OpenID Connect is not configured", hint="set PASIENIS_OIDC_ISSUER etc.")
    issuer = str(settings.oidc_issuer).rstrip("/")
    with _cache.lock:
        cached = _cache.providers.get(issuer)
    if cached is not None and time.monotonic() - cached[0] < DISCOVERY_TTL_S:
        return cached[1]
    provider = _discover(issuer)
    with _cache.lock:
        _cache.providers[issuer] = (time.monotonic(), provider)
    return provider


def _jwks_client(jwks_uri: str) -> jwt.PyJWKClient:
    with _cache.lock:
        client = _cache.jwks.get(jwks_uri)
        if client is None:
            client = _cache.jwks[jwks_uri] = jwt.PyJWKClient(
                jwks_uri, timeout=TIMEOUT_S, lifespan=JWKS_LIFESPAN_S
            )
        return client


def _discover(issuer: str) -> Provider:
    """Read the provider's discovery document (checked against the configured issuer)."""
    doc = _fetch_json(issuer + "/.well-known/openid-configuration")
    if str(doc.get("issuer", "")).rstrip("/") != issuer:
        raise OidcError("the discovery document names a different issuer")
    try:
        return Provider(
            issuer=str(doc["issuer"]),
            authorization_endpoint=_check_url(doc["authorization_endpoint"]),
            token_endpoint=_check_url(doc["token_endpoint"]),
            jwks_uri=_check_url(doc["jwks_uri"]),
        )
    except KeyError as exc:
        raise OidcError(f"the discovery document lacks {exc}") from exc


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def begin(store: Store, settings: Settings) -> str:
    """Remember a fresh state, nonce and PKCE verifier; return the provider's sign-in URL."""
    provider = discover(settings)
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    with store.begin() as conn:
        conn.execute(delete(oidc_states).where(oidc_states.c.created_at < now() - STATE_TTL))
        conn.execute(
            insert(oidc_states).values(
                state=state, nonce=nonce, code_verifier=verifier, created_at=now()
            )
        )
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": settings.oidc_redirect_url,
            "scope": settings.oidc_scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    return f"{provider.authorization_endpoint}?{query}"


def complete(store: Store, settings: Settings, *, code: str, state: str) -> str:
    """Redeem ``code`` for an ID token, verify it, and return the local user id.

    Raises:
        OidcError: unknown/expired state, or a token that does not verify.
        ForbiddenError: the provider's user has no local account (or it is disabled).
    """
    with store.begin() as conn:
        row = conn.execute(select(oidc_states).where(oidc_states.c.state == state)).first()
        conn.execute(delete(oidc_states).where(oidc_states.c.state == state))
    if row is None or row.created_at < now() - STATE_TTL:
        raise OidcError("unknown or expired sign-in state", hint="start the sign-in again")
    provider = discover(settings)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": str(settings.oidc_redirect_url),
        "client_id": str(settings.oidc_client_id),
        "code_verifier": row.code_verifier,
    }
    if settings.oidc_client_secret:
        form["client_secret"] = settings.oidc_client_secret
    tokens = _fetch_json(provider.token_endpoint, form)
    claims = _verify_id_token(provider, settings, str(tokens.get("id_token", "")), row.nonce)
    return _local_user(store, settings, claims)


def _verify_id_token(
    provider: Provider, settings: Settings, id_token: str, nonce: str
) -> dict[str, Any]:
    try:
        key = _jwks_client(provider.jwks_uri).get_signing_key_from_jwt(id_token)
        claims = jwt.decode(
            id_token,
            key.key,
            algorithms=ALGORITHMS,
            audience=settings.oidc_client_id,
            issuer=provider.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise OidcError(f"the ID token does not verify: {exc}") from exc
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise OidcError("the ID token's nonce does not match this sign-in")
    return dict(claims)


def _local_user(store: Store, settings: Settings, claims: dict[str, Any]) -> str:
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    with store.begin() as conn:
        user_id = identity_user(conn, issuer=issuer, subject=subject)
        if user_id is None and settings.oidc_link_on_first_sign_in:
            user_id = _link_first(conn, settings, claims)
        row = None
        if user_id is not None:
            row = conn.execute(select(users.c.disabled).where(users.c.id == user_id)).first()
    if user_id is None or row is None or row.disabled:
        raise ForbiddenError(
            f"no enabled local account is linked to the OpenID identity {subject!r} of {issuer}",
            hint="an administrator links it: pasienis users link-oidc <account> <subject>",
        )
    return user_id


def _link_first(conn: Connection, settings: Settings, claims: dict[str, Any]) -> str | None:
    """Link by the name claim: only an account that has no identity of this issuer yet."""
    name = str(claims.get(settings.oidc_username_claim) or "")
    row = conn.execute(select(users.c.id).where(users.c.name == name)).first() if name else None
    if row is None:
        return None
    taken = conn.execute(
        select(user_identities.c.subject).where(
            user_identities.c.user_id == row.id,
            user_identities.c.issuer == str(claims["iss"]).rstrip("/"),
        )
    ).first()
    if taken is not None:
        return None
    link_identity(
        conn,
        user_id=row.id,
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        linked_by="first sign-in",
    )
    return str(row.id)


def identity_user(conn: Connection, *, issuer: str, subject: str) -> str | None:
    """The local account linked to (``issuer``, ``subject``), if any."""
    issuer = issuer.rstrip("/")
    found = conn.execute(
        select(user_identities.c.user_id).where(
            user_identities.c.issuer == issuer, user_identities.c.subject == subject
        )
    ).scalar()
    return str(found) if found is not None else None


def link_identity(
    conn: Connection, *, user_id: str, issuer: str, subject: str, linked_by: str | None
) -> None:
    """Link an OpenID identity to a local account (replacing an earlier link of it).

    Issuers are kept without a trailing slash, as the configured issuer is compared.
    """
    issuer = issuer.rstrip("/")
    if not conn.execute(select(users.c.id).where(users.c.id == user_id)).first():
        raise UnknownUserError(f"no account with id {user_id!r}")
    if not issuer.strip() or not subject.strip() or len(issuer) > 512 or len(subject) > 255:
        raise OidcError("an OpenID identity needs an issuer (≤ 512) and a subject (≤ 255)")
    conn.execute(
        delete(user_identities).where(
            user_identities.c.issuer == issuer, user_identities.c.subject == subject
        )
    )
    conn.execute(
        insert(user_identities).values(
            issuer=issuer, subject=subject, user_id=user_id, linked_at=now(), linked_by=linked_by
        )
    )
