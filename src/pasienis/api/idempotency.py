"""``@idempotent``: routes that honour an ``Idempotency-Key`` header (see
:mod:`pasienis.security.idempotency`).

The decorated route must take ``request: Request`` and ``p: <Principal>`` parameters; the key is
scoped to that principal. Without the header the route runs as before. A replay is answered
with the stored status and body and an ``Idempotent-Replayed: true`` header.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from pasienis.security import Principal, PrincipalKind
from pasienis.security.idempotency import HEADER, Replay, claim, complete, release

REPLAYED = "Idempotent-Replayed"


def _scope(p: Principal) -> str:
    # A session and an API token of one account share its keys; a device has its own.
    return f"{'device' if p.kind == PrincipalKind.device else 'user'}:{p.user_id}"


@dataclass
class _Claim:
    """One request's hold on its key: replay, or run then store (or release on failure)."""

    store: Any
    scope: str
    key: str
    replay: Replay | None

    @classmethod
    def start(cls, kwargs: dict[str, Any]) -> _Claim | None:
        request: Request = kwargs["request"]
        key = request.headers.get(HEADER)
        if key is None:
            return None
        store, scope = request.app.state.store, _scope(kwargs["p"])
        what = f"{request.method} {request.url.path}"
        return cls(store, scope, key, claim(store, scope=scope, key=key, request=what))

    def replayed(self) -> JSONResponse:
        assert self.replay is not None
        headers = {REPLAYED: "true"}
        return JSONResponse(self.replay.body, status_code=self.replay.status_code, headers=headers)

    def finish(self, result: Any, status_code: int) -> Any:
        body = jsonable_encoder(result)
        complete(self.store, scope=self.scope, key=self.key, status_code=status_code, body=body)
        return body

    def fail(self) -> None:
        release(self.store, scope=self.scope, key=self.key)


def _async(fn: Callable[..., Any], status_code: int) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def run(*args: Any, **kwargs: Any) -> Any:
        held = _Claim.start(kwargs)
        if held is None:
            return await fn(*args, **kwargs)
        if held.replay is not None:
            return held.replayed()
        try:
            result = await fn(*args, **kwargs)
        except BaseException:
            held.fail()
            raise
        return held.finish(result, status_code)

    return run


def _sync(fn: Callable[..., Any], status_code: int) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        held = _Claim.start(kwargs)
        if held is None:
            return fn(*args, **kwargs)
        if held.replay is not None:
            return held.replayed()
        try:
            result = fn(*args, **kwargs)
        except BaseException:
            held.fail()
            raise
        return held.finish(result, status_code)

    return run


def idempotent(status_code: int = 200) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make a route answer a replayed ``Idempotency-Key`` with its first answer."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        return (
            _async(fn, status_code) if inspect.iscoroutinefunction(fn) else _sync(fn, status_code)
        )

    return wrap
