"""Byte-for-byte reproducibility helpers for zip-based office formats.

Why: openpyxl and python-docx stamp zip entries with the wall-clock time, so the same
seed would otherwise produce different .xlsx/.docx bytes on every run.
"""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

FIXED_DATETIME = datetime(2026, 9, 1, 0, 0, 0)  # noqa: DTZ001 - office metadata is naive
FIXED_DATETIME_UTC = datetime(2026, 9, 1, tzinfo=UTC)
_ZIP_TIME = (2026, 9, 1, 0, 0, 0)
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)")


def normalise_zip(path: Path) -> None:
    """Rewrite a zip file with fixed entry timestamps and a stable entry order."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            if name == "docProps/core.xml":
                # openpyxl stamps "modified" with the wall clock on every save.
                data = _CORE_DATES.sub(rb"\g<1>2026-09-01T00:00:00Z\g<3>", data)
            dst.writestr(info, data)
