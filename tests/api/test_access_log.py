"""Device secrets and tokens never reach the access log."""

from __future__ import annotations

import logging

import pytest

from pasienis.api.access_log import RedactSecrets, redact


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/positions/osmand/s3cr3t?id=1&lat=54.6", "/api/positions/osmand/***?id=1&lat=54.6"),
        ("/api/positions/osmand?id=1&key=abc&lat=5", "/api/positions/osmand?id=1&key=***&lat=5"),
        ("/api/ops/ws/dispatch?access_token=tok", "/api/ops/ws/dispatch?access_token=***"),
        ("/api/tasks?status=open", "/api/tasks?status=open"),
    ],
)
def test_secrets_are_masked(path: str, expected: str) -> None:
    assert redact(path) == expected


def test_filter_rewrites_uvicorn_access_records() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/positions/osmand/s3cr3t?id=9", "1.1", 200), None,
    )  # fmt: skip
    assert RedactSecrets().filter(record)
    assert "s3cr3t" not in record.getMessage()
    assert "/api/positions/osmand/***?id=9" in record.getMessage()
