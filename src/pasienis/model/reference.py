"""The reference part of docs/mappings.md, generated from the code so it cannot drift.

Event tables come from :data:`pasienis.model.events.EVENT_TABLES` (the tables imports write),
schemata from the installed FtM model (the standard ones plus the customs YAML). ``pasienis
schema docs`` writes the text between the markers; a test checks the committed file equals it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Float, Integer, Table

from pasienis.model.catalog import describe_schema, list_schemata
from pasienis.model.events import EVENT_TABLES, FILLED_COLUMNS
from pasienis.store.types import UTCDateTime

BEGIN = "<!-- BEGIN GENERATED REFERENCE (pasienis schema docs) -->"
END = "<!-- END GENERATED REFERENCE -->"


def _kind(column: Any) -> str:
    if isinstance(column.type, UTCDateTime):
        return "time (ISO-8601; `timezone:` for local times)"
    if isinstance(column.type, Integer):
        return "whole number"
    if isinstance(column.type, Float):
        return "number (decimal comma accepted)"
    return "text"


def _event_table(table: Table) -> list[str]:
    lines = [f"### `{table.name}`", "", "| column | type | required | description |",
             "|---|---|---|---|"]  # fmt: skip
    for column in table.columns:
        if column.name in FILLED_COLUMNS:
            continue
        required = "**yes**" if not column.nullable else ""
        comment = (column.comment or "").replace("|", "\\|")
        lines.append(f"| `{column.name}` | {_kind(column)} | {required} | {comment} |")
    return [*lines, ""]


def _schema(name: str) -> list[str]:
    info = describe_schema(name)
    from followthemoney.model import Model

    required = set(Model.instance()[name].required)
    extends = f" (extends {', '.join(info['extends'])})" if info["extends"] else ""
    lines = [f"### {info['name']} — {info['label']}{extends}", "",
             "| property | type | required |", "|---|---|---|"]  # fmt: skip
    for prop in info["properties"]:
        kind = prop["type"] + (f" → {prop['range']}" if prop["range"] else "")
        lines.append(
            f"| `{prop['name']}` | {kind} | {'**yes**' if prop['name'] in required else ''} |"
        )
    return [*lines, ""]


def reference_text() -> str:
    """The generated reference (event tables, then schemata), as Markdown."""
    lines = [
        BEGIN, "",
        "## Reference: event tables", "",
        "Columns an event mapping can fill (`id`, `dataset`, `locator`, `run_id` and "
        "`attributes` are filled by the import). A **required** column missing or not "
        "converting quarantines the record.", "",
    ]  # fmt: skip
    for table in EVENT_TABLES.values():
        lines += _event_table(table)
    lines += ["## Reference: schemata and properties", "",
              "Every schema an entity can have (FtM's and the customs YAML), with its "
              "properties and their types; a schema's **required** properties must be mapped.",
              ""]  # fmt: skip
    for item in list_schemata():
        lines += _schema(item["name"])
    return "\n".join([*lines, END]) + "\n"


def with_reference(document: str) -> str:
    """``document`` with its generated section replaced (appended when it has none)."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.DOTALL)
    if pattern.search(document):
        return pattern.sub(lambda _m: reference_text(), document, count=1)
    return document.rstrip("\n") + "\n\n" + reference_text()


def write_reference(path: Path) -> bool:
    """Rewrite the generated section of ``path``; whether it changed."""
    old = path.read_text(encoding="utf-8")
    new = with_reference(old)
    if new != old:
        path.write_text(new, encoding="utf-8")
    return new != old
