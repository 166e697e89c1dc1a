"""The column mapping of a labelled declaration history: which source column is which field.

Why a mapping and not a fixed layout: every customs service (and every public
customs-selection data set) names its columns differently; the engine reads canonical
fields only, so one model definition serves any file an administrator maps.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pasienis.ingest.suggest import did_you_mean
from pasienis.model.schema_files import LineDict, load_yaml_lines
from pasienis.risk.errors import HistoryError

#: Canonical fields: (kind, required). ``label`` is required for training and evaluation.
FIELDS: dict[str, tuple[str, bool]] = {
    "id": ("text", True),
    "date": ("date", True),
    "hs_code": ("text", True),
    "value": ("number", True),
    "office": ("text", False),
    "importer": ("text", False),
    "declarant": ("text", False),
    "seller": ("text", False),
    "origin": ("text", False),
    "vehicle": ("text", False),
    "mass": ("number", False),
    "quantity": ("number", False),
    "label": ("label", False),
    "revenue": ("number", False),
}
PARTIES = ("importer", "declarant", "seller")
_KEYS = {"columns", "date_format", "decimal", "party_namespace", "title"}


@dataclass(frozen=True)
class HistoryMapping:
    """Field → source column, plus how to read dates and decimals."""

    columns: dict[str, str]
    date_format: str | None = None
    decimal: str = "."
    party_namespace: str | None = None
    source: str = "<mapping>"
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    def digest(self) -> str:
        """What a model is bound to: the fields and how they are read (not the file name)."""
        doc = {
            "columns": dict(sorted(self.columns.items())),
            "date_format": self.date_format,
            "decimal": self.decimal,
            "party_namespace": self.party_namespace,
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "date_format": self.date_format,
            "decimal": self.decimal,
            "party_namespace": self.party_namespace,
        }

    def has(self, name: str) -> bool:
        return name in self.columns


def parse_mapping(text: str, source: str = "<mapping>") -> HistoryMapping:
    """Read a mapping document; every problem is reported with its line."""
    try:
        doc = load_yaml_lines(text)
    except Exception as exc:
        raise HistoryError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(doc, LineDict):
        raise HistoryError(f"{source}:1: a mapping must be a YAML mapping with 'columns:'")
    problems = []
    for key in doc:
        if key not in _KEYS:
            problems.append(
                f"{source}:{doc.lines[key]}: unknown key {key!r}{did_you_mean(str(key), _KEYS)}"
            )
    cols = doc.get("columns")
    if not isinstance(cols, LineDict):
        problems.append(
            f"{source}:{doc.lines.get('columns', doc.line)}: 'columns' must map "
            "fields to column names, e.g. 'id: sgd.id'"
        )
        raise HistoryError("\n".join(problems))
    columns, lines = _columns(cols, source, problems)
    decimal = doc.get("decimal", ".")
    if decimal not in (".", ","):
        problems.append(f"{source}:{doc.lines['decimal']}: decimal must be '.' or ','")
    if problems:
        raise HistoryError("\n".join(problems))
    return HistoryMapping(
        columns=columns,
        date_format=doc.get("date_format"),
        decimal=decimal,
        party_namespace=doc.get("party_namespace"),
        source=source,
        lines=lines,
    )


def _columns(
    cols: LineDict, source: str, problems: list[str]
) -> tuple[dict[str, str], dict[str, int]]:
    columns: dict[str, str] = {}
    lines: dict[str, int] = {}
    for name, column in cols.items():
        line = cols.lines[name]
        if name not in FIELDS:
            problems.append(
                f"{source}:{line}: unknown field {name!r}"
                f"{did_you_mean(str(name), FIELDS)} (fields: {', '.join(FIELDS)})"
            )
        elif not isinstance(column, str) or not column.strip():
            problems.append(f"{source}:{line}: field {name!r} needs a column name")
        else:
            columns[name], lines[name] = column, line
    for name, (_, required) in FIELDS.items():
        if required and name not in cols:
            problems.append(f"{source}:{cols.line}: required field {name!r} is not mapped")
    return columns, lines


def load_mapping(path: Path | str) -> HistoryMapping:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise HistoryError(f"{p}: cannot read the mapping: {exc.strerror}") from exc
    return parse_mapping(text, str(p))
