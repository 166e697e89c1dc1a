"""The lean position-ingest process: the device protocols on a port of their own.

``pasienis serve-ingest`` runs this ASGI app in its own process. It serves exactly the device
position routes of the main app — ``/api/positions/osmand/<secret>``, ``/api/positions/osmand``
and ``/api/positions/owntracks`` — through the same protocol code
(:mod:`pasienis.api.position_ingest`), the same cached device authentication and the same
group-commit :class:`~pasienis.ops.position_writer.PositionWriter` (a 200 means the fix is
committed). What it leaves out is what a device request never needs: FastAPI's routing and
dependency solving, sessions, CSRF (no cookie is honoured here, so there is nothing to forge),
the web apps. It keeps the hardening that applies to devices: authentication before the body
is read (401, never 400, for a stranger), the request body limit (413), the security headers
on every answer, problem+json errors, and the secret redacted from the access log.

When it is the serving process it tunes the garbage collector (``tune_gc``,
:mod:`pasienis.api.collector`): after start-up everything loaded is frozen out of the
collector's reach and the young-generation threshold is raised, so a burst of waiting
requests does not trigger full collections that walk the whole heap. Live positions reach
the API process's dispatchers through the Redis relay (``ops_redis_url``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from pasienis import __version__
from pasienis.api import position_ingest as ingest
from pasienis.api.collector import tune_collector
from pasienis.api.middleware import BodyLimitMiddleware, security_headers
from pasienis.api.problems import problem
from pasienis.config import Settings
from pasienis.errors import PasienisError
from pasienis.ops.errors import IngestBusyError
from pasienis.ops.flows import Ops
from pasienis.ops.runtime import ingest_running
from pasienis.store import Store, open_store

log = logging.getLogger(__name__)

PREFIX = "/api/positions/"
KEY_PREFIX = "/api/positions/osmand/"

Handler = Callable[[Ops, Request], Awaitable[bytes | None]]


async def _osmand_basic(ops: Ops, request: Request) -> None:
    await ingest.osmand_basic(ops, request)


async def _owntracks(ops: Ops, request: Request) -> bytes:
    return json.dumps(await ingest.owntracks(ops, request)).encode()


#: Exact paths and the methods each accepts.
ROUTES: dict[str, tuple[frozenset[str], Handler]] = {
    "/api/positions/osmand": (frozenset({"GET", "POST"}), _osmand_basic),
    "/api/positions/owntracks": (frozenset({"POST"}), _owntracks),
}
KEY_METHODS = frozenset({"GET", "POST"})


class IngestApp:
    """A raw ASGI app: lifespan (the writer, the relay) and the device position routes."""

    def __init__(self, ops: Ops, *, owned: bool = False, tune_gc: bool = False) -> None:
        self.ops = ops
        self.settings = ops.settings
        self.owned = owned
        self.tune_gc = tune_gc
        self._stack: AsyncExitStack | None = None
        # The API's hardening headers, computed once (HSTS only for answers over HTTPS).
        self._headers = {
            scheme: security_headers({"path": PREFIX, "scheme": scheme})
            for scheme in ("http", "https")
        }
        # The same body limit as the API (413 by header and while streaming).
        self._limited = BodyLimitMiddleware(self._http, max_bytes=self.settings.max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._limited(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        else:  # WebSockets belong to the API process
            await send({"type": "websocket.close", "code": 1008})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        hardening = self._headers.get(scope.get("scheme", "http"), self._headers["http"])
        if path.startswith(KEY_PREFIX) and "/" not in path[len(KEY_PREFIX) :]:
            key = path[len(KEY_PREFIX) :]
            methods: frozenset[str] = KEY_METHODS

            async def handler(ops: Ops, request: Request) -> None:
                await ingest.osmand_key(ops, request, key)

        elif path in ROUTES:
            methods, handler = ROUTES[path]  # type: ignore[assignment]
        elif path == "/api/health" and method in ("GET", "HEAD"):
            await self._health(send, hardening)
            return
        else:
            await self._problem(send, hardening, 404, "not found", "not-found")
            return
        if method not in methods:
            await self._problem(send, hardening, 405, "method not allowed", "method-not-allowed")
            return
        try:
            body = await handler(self.ops, Request(scope, receive))
        except IngestBusyError as exc:
            busy = [*hardening, (b"retry-after", b"1")]
            await self._problem(send, busy, *_problem_of(exc), **_hint(exc))
            return
        except PasienisError as exc:
            await self._problem(send, hardening, *_problem_of(exc), **_hint(exc))
            return
        if body is None:
            await _answer(send, 200, b"", None, hardening)
        else:
            await _answer(send, 200, body, b"application/json", hardening)

    async def _problem(
        self, send: Send, hardening: list[tuple[bytes, bytes]], status: int, title: str,
        kind: str, **extra: Any,
    ) -> None:  # fmt: skip
        response = problem(status, title, kind, **extra)
        response.raw_headers.extend(hardening)
        await response({"type": "http"}, _no_receive, send)

    async def _health(self, send: Send, hardening: list[tuple[bytes, bytes]]) -> None:
        ok = self.ops.writer.running and await asyncio.to_thread(self.ops.store.ping)
        body = {"status": "ok" if ok else "error", "version": __version__, "role": "ingest"}
        await _answer(send, 200 if ok else 503, json.dumps(body).encode(), b"application/json",
                      hardening)  # fmt: skip

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self._startup()
                except Exception as exc:
                    log.exception("the ingest process could not start")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _startup(self) -> None:
        from pasienis.api.access_log import install_access_log_redaction

        self.ops.store.check()
        install_access_log_redaction()
        stack = AsyncExitStack()
        await stack.enter_async_context(ingest_running(self.ops))
        self._stack = stack
        if self.tune_gc:
            tune_collector()

    async def _shutdown(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None
        if self.owned:
            self.ops.store.dispose()


async def _answer(
    send: Send, status: int, body: bytes, kind: bytes | None, hardening: list[tuple[bytes, bytes]]
) -> None:
    headers = [(b"content-length", str(len(body)).encode()), *hardening]
    if kind is not None:
        headers.append((b"content-type", kind))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _problem_of(exc: PasienisError) -> tuple[int, str, str]:
    return exc.status_code, exc.message, exc.kind


def _hint(exc: PasienisError) -> dict[str, Any]:
    return {"hint": exc.hint} if exc.hint else {}


async def _no_receive() -> Message:  # pragma: no cover - responses never read the body
    return {"type": "http.disconnect"}


def create_ingest_app(
    settings: Settings | None = None, *, store: Store | None = None, tune_gc: bool = False
) -> IngestApp:
    """The ingest ASGI app (``store`` may be given: tests pin one).

    ``tune_gc`` only where the process is the ingest process (``pasienis serve-ingest``),
    never inside a process that runs tests or serves other apps too.
    """
    settings = settings or Settings()
    owned = store is None
    ops = Ops(store=store or open_store(settings), settings=settings)
    return IngestApp(ops, owned=owned, tune_gc=tune_gc)
