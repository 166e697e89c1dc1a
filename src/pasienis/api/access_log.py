"""Keep device secrets and tokens out of the access log.

Traccar Client can only be configured with a URL, so its secret travels in the path
(``/api/positions/osmand/<secret>``) and some clients send ``?token=``/``?key=``; uvicorn's
access log would write them to disk in clear. This filter masks them before any handler sees
the record.
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


class RedactSecrets(logging.Filter):
    """Masks secrets in uvicorn access-log records (its args are client, method, path, ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def install_access_log_redaction() -> None:
    """Attach the filter to uvicorn's access logger (idempotent)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())
