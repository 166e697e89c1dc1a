"""Which browser origins may act with a session cookie (unsafe requests, WebSockets).

A browser sends ``Origin`` on every cross-origin request, on every ``POST``/``PUT``/``DELETE``
and on every WebSocket handshake, and modern ones send ``Sec-Fetch-Site``. A request is
trusted when it comes from the server's own origin (its ``Host``), from ``ops_public_url``,
or from an origin listed in ``allowed_origins`` or ``cors_allow_origins``. A request with
neither header is not from a modern browser page and is left to the CSRF token.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping

from pasienis.config import Settings

#: ``Sec-Fetch-Site`` values that do not come from another site.
SAME_SITE_FETCH = frozenset({"same-origin", "none"})


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}" if parts.netloc else ""


def trusted_origins(settings: Settings) -> frozenset[str]:
    """The configured origins (normalised ``scheme://host[:port]``)."""
    urls = [*settings.allowed_origins, *settings.cors_allow_origins]
    if settings.ops_public_url:
        urls.append(settings.ops_public_url)
    return frozenset(o for o in map(_origin, urls) if o)


def origin_allowed(headers: Mapping[str, str], settings: Settings) -> bool:
    """Whether the request's ``Origin`` (if any) is the server's own or a trusted one.

    ``headers`` has lower-case names.
    """
    origin = headers.get("origin")
    if origin is None:
        return True
    normal = _origin(origin)
    if not normal:  # "null" (sandboxed frames, file:// pages) and garbage
        return False
    host = headers.get("host", "").lower()
    if host and normal.split("://", 1)[1] == host:
        return True
    return normal in trusted_origins(settings)


def from_trusted_page(headers: Mapping[str, str], settings: Settings) -> bool:
    """``Origin`` decides when sent; otherwise ``Sec-Fetch-Site`` must not say another site.

    A trusted cross-site origin (CORS) is sent as ``Sec-Fetch-Site: cross-site`` *with* its
    ``Origin``, so the origin list is what lets it through.
    """
    if "origin" in headers:
        return origin_allowed(headers, settings)
    site = headers.get("sec-fetch-site")
    return site is None or site.lower() in SAME_SITE_FETCH
