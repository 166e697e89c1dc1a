"""Map pasienis errors to RFC 9457 ``application/problem+json`` answers."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException

from pasienis.errors import PasienisError

PROBLEM_BASE = "https://pasienis.invalid/problems/"


def problem(
    status: int, title: str, kind: str, detail: str | None = None, **extra: object
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, object] = {"type": PROBLEM_BASE + kind, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every :class:`PasienisError` as problem+json with its status and hint."""

    @app.exception_handler(PasienisError)
    async def _pasienis_error(_request: Request, exc: PasienisError) -> JSONResponse:
        extra = {"hint": exc.hint} if exc.hint else {}
        return problem(exc.status_code, exc.message, exc.kind, **extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(exc.errors())

    @app.exception_handler(PydanticValidationError)
    async def _invalid_model(_request: Request, exc: PydanticValidationError) -> JSONResponse:
        # A model a route builds from its query (graph filters, analysis options) refused
        # the input: the caller's mistake, answered like a schema mismatch, never a 500.
        return validation_problem(exc.errors())

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        title = detail or HTTP_TITLES.get(exc.status_code, "error")
        response = problem(exc.status_code, title, HTTP_KINDS.get(exc.status_code, "http"))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response


HTTP_TITLES = {404: "not found", 405: "method not allowed", 406: "not acceptable"}
HTTP_KINDS = {404: "not-found", 405: "method-not-allowed", 406: "not-acceptable"}


def validation_problem(errors: Any) -> JSONResponse:
    """422 for a request that does not match its schema, naming each bad field.

    The rejected input is not echoed: it may be NaN or a lone surrogate (which JSON cannot
    carry, so echoing it was itself the 500) or personal data that has no place in a log.
    """
    items = [
        {
            "loc": [part if isinstance(part, int) else _text(part) for part in e.get("loc", ())],
            "msg": _text(e.get("msg", "")),
            "type": _text(e.get("type", "")),
        }
        for e in errors
    ]
    detail = "; ".join(".".join(map(str, i["loc"])) + ": " + i["msg"] for i in items[:10])
    return problem(422, "the request does not match its schema", "validation", detail, errors=items)


def _text(value: object) -> str:
    """Printable text: a lone surrogate becomes U+FFFD, a non-finite number its name."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return str(value).encode("utf-8", "replace").decode("utf-8")
