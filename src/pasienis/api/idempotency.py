"""``@idempotent``: routes that honour an ``Idempotency-Key`` header (see
:mod:`pasienis.security.idempotency`).

The decorated route must take ``request: Request`` and ``p: <Principal>`` parameters; the key is
scoped to that principal. Without the header the route runs as before. With it, the route's
action writes the key and its answer in the action's own transaction; a replay (or a
concurrent request that lost the race for the key) is answered with the stored status and
body and an ``Idempotent-Replayed: true`` header. The route must return its action's result
unchanged (that is what is stored and replayed); a route whose action never claimed the key is
a programming error and fails loudly.
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
from pasienis.security.idempotency import (
    HEADER,
    Guard,
    KeyTakenError,
    Replay,
    check_key,
    guarding,
    stored_answer,
)

REPLAYED = "Idempotent-Replayed"


def _scope(p: Principal) -> str:
    # A session and an API token of one account share its keys; a device has its own.
    return f"{'device' if p.kind == PrincipalKind.device else 'user'}:{p.user_id}"


@dataclass
class _Keyed:
    """One request's key: replay a stored answer, or run the action under its guard."""

    store: Any
    guard: Guard

    @classmethod
    def start(cls, kwargs: dict[str, Any], status_code: int) -> _Keyed | None:
        request: Request = kwargs["request"]
        key = request.headers.get(HEADER)
        if key is None:
            return None
        what = f"{request.method} {request.url.path}"
        guard = Guard(_scope(kwargs["p"]), check_key(key), what, status_code, jsonable_encoder)
        return cls(request.app.state.store, guard)

    def stored(self) -> Replay | None:
        g = self.guard
        return stored_answer(self.store, scope=g.scope, key=g.key, request=g.request)

    def replayed(self, replay: Replay | None = None) -> JSONResponse:
        replay = replay or self.stored()
        if replay is None:  # never: the winner of the key committed before we were refused
            raise RuntimeError("an idempotency key was taken but holds no answer")
        headers = {REPLAYED: "true"}
        return JSONResponse(replay.body, status_code=replay.status_code, headers=headers)

    def finish(self, result: Any) -> Any:
        if not self.guard.used:
            raise RuntimeError(
                "an @idempotent route ran an action that did not record its key "
                "(open its transaction with pasienis.security.idempotency.guarded)"
            )
        body = jsonable_encoder(result)
        if body != self.guard.answer:
            raise RuntimeError("an @idempotent route answered other than its action's result")
        return body


def _async(fn: Callable[..., Any], status_code: int) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def run(*args: Any, **kwargs: Any) -> Any:
        keyed = _Keyed.start(kwargs, status_code)
        if keyed is None:
            return await fn(*args, **kwargs)
        replay = keyed.stored()
        if replay is not None:
            return keyed.replayed(replay)
        try:
            with guarding(keyed.guard):
                result = await fn(*args, **kwargs)
        except KeyTakenError:
            return keyed.replayed()
        return keyed.finish(result)

    return run


def _sync(fn: Callable[..., Any], status_code: int) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        keyed = _Keyed.start(kwargs, status_code)
        if keyed is None:
            return fn(*args, **kwargs)
        replay = keyed.stored()
        if replay is not None:
            return keyed.replayed(replay)
        try:
            with guarding(keyed.guard):
                result = fn(*args, **kwargs)
        except KeyTakenError:
            return keyed.replayed()
        return keyed.finish(result)

    return run


def idempotent(status_code: int = 200) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make a route answer a replayed ``Idempotency-Key`` with its first answer."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        return (
            _async(fn, status_code) if inspect.iscoroutinefunction(fn) else _sync(fn, status_code)
        )

    return wrap
