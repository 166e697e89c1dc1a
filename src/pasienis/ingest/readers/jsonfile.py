"""JSON and JSON lines: records found by a dotted path, fields read by dotted paths.

A path like ``owners.0.name`` walks dicts by key and lists by position; a path that meets a
list without a position collects from every element (``addresses.city``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pasienis.ingest.errors import SourceError
from pasienis.ingest.readers.base import ReadPlan, SourceRecord, check_not_empty, looks_binary

_MISSING = object()


def walk(obj: Any, path: str) -> Any:
    """The value at a dotted ``path`` in ``obj`` (``None`` when absent)."""
    if path in ("", "."):
        return obj
    current: Any = obj
    for i, part in enumerate(path.split(".")):
        if isinstance(current, list):
            if part.isdigit():
                current = current[int(part)] if int(part) < len(current) else None
            else:
                rest = ".".join(path.split(".")[i:])
                found = [walk(item, rest) for item in current]
                return [v for v in _flatten(found) if v is not None]
        elif isinstance(current, dict):
            current = current.get(part)
        else:
            return None
        if current is None:
            return None
    return current


def _flatten(values: list[Any]) -> Iterator[Any]:
    for v in values:
        if isinstance(v, list):
            yield from v
        else:
            yield v


def _scalar(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list):
        return [_scalar(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if value is None else str(value)


def extract(obj: Any, plan: ReadPlan) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Fields and groups of one record object."""
    fields = {f: _scalar(walk(obj, f)) for f in plan.fields}
    groups: dict[str, list[dict[str, Any]]] = {}
    for group, sub_fields in plan.groups.items():
        items = walk(obj, group) or []
        items = items if isinstance(items, list) else [items]
        groups[group] = [{f: _scalar(walk(item, f)) for f in sub_fields} for item in items]
    return fields, groups


class JSONReader:
    """Reads a JSON document (records at ``records_path``) or a JSON-lines file."""

    def __init__(
        self,
        path: Path,
        plan: ReadPlan,
        *,
        lines: bool,
        records_path: str = "",
        name: str | None = None,
    ) -> None:
        check_not_empty(path)
        self.path, self.plan, self.lines, self.records_path = path, plan, lines, records_path
        self.name = name or path.name
        with path.open("rb") as handle:
            if looks_binary(handle.read(65536)):
                raise SourceError(f"{self.name} is a binary file, not JSON")

    def records(self) -> Iterator[SourceRecord]:
        if self.lines:
            yield from self._lines()
            return
        try:
            document = json.loads(self.path.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SourceError(f"{self.name} is not valid JSON: {exc}") from exc
        items = walk(document, self.records_path)
        if not isinstance(items, list):
            items = [] if items is None else [items]
        for index, item in enumerate(items):
            fields, groups = extract(item, self.plan)
            locator = f"{self.name}#{self.records_path or '$'}[{index}]"
            yield SourceRecord(index, locator, fields, groups)

    def _lines(self) -> Iterator[SourceRecord]:
        index = 0
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                locator = f"{self.name}:{number}"
                try:
                    obj = json.loads(raw.decode("utf-8-sig"))
                    if self.records_path:
                        obj = walk(obj, self.records_path)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    text = raw.decode("utf-8", errors="replace").rstrip()[:2000]
                    yield SourceRecord(
                        index, locator, {"_line": text}, problem=f"invalid JSON: {exc}"
                    )
                else:
                    fields, groups = extract(obj, self.plan)
                    yield SourceRecord(index, locator, fields, groups)
                index += 1
