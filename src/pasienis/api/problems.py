"""Map pasienis errors to RFC 9457 ``application/problem+json`` answers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

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
