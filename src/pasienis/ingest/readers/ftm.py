"""FollowTheMoney entity streams (JSON lines, as Aleph and OpenSanctions publish) in and out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pasienis.ingest.readers.base import SourceRecord, check_not_empty


class FtMReader:
    """Each line an entity ``{"id", "schema", "properties": {prop: [values]}}``."""

    def __init__(self, path: Path, *, name: str | None = None) -> None:
        check_not_empty(path)
        self.path = path
        self.name = name or path.name

    def records(self) -> Iterator[SourceRecord]:
        index = 0
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                locator = f"{self.name}:{number}"
                problem = None
                try:
                    obj = json.loads(raw)
                    if not isinstance(obj, dict) or not obj.get("id") or not obj.get("schema"):
                        problem = "not an entity: needs id and schema"
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    obj, problem = (
                        {"_line": raw.decode("utf-8", "replace")[:2000]},
                        f"invalid JSON: {exc}",
                    )
                yield SourceRecord(
                    index,
                    locator,
                    obj if isinstance(obj, dict) else {"_value": obj},
                    problem=problem,
                )
                index += 1
