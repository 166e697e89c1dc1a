"""Keep device secrets and tokens out of the access log.

Traccar Client can only be configured with a URL, so its secret travels in the path
(``/api/positions/osmand/<secret>``) and some clients send ``?token=``/``?key=``; uvicorn's
access log would write them to disk in clear. This filter masks them before any handler sees
the record. uvicorn logs WebSocket handshakes (``?access_token=`` of the dispatcher
console) on ``uvicorn.error`` rather than ``uvicorn.access``, so both loggers are filtered.
"""

from __future__ import annotations

import logging
import re

_SECRET_PATH = re.compile(r"(/api/positions/osmand/)[^/?\s]+")
_SECRET_QUERY = re.compile(r"([?&](?:token|key|access_token|secret)=)[^&\s]+", re.IGNORECASE)
MASK = "***"


def redact(path: str) -> str:
    """The path with secrets replaced by ``***``."""
    return _SECRET_QUERY.sub(rf"\g<1>{MASK}", _SECRET_PATH.sub(rf"\g<1>{MASK}", path))


#: uvicorn's loggers that write request paths: HTTP access lines, WebSocket handshakes.
LOGGERS = ("uvicorn.access", "uvicorn.error")


class RedactSecrets(logging.Filter):
    """Masks secrets in every string argument of a uvicorn record (and in its message)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_access_log_redaction() -> None:
    """Attach the filter to uvicorn's loggers (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
