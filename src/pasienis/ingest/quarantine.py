"""The quarantine: records that failed, with file, row/XPath, field, value and reason.

An administrator lists and inspects entries, fixes the mapping (or the source), then retries:
the source files of the open entries are re-imported with the fixed mapping, and entries the
file no longer produces are marked resolved by that run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from pasienis.ingest.errors import ImportRunNotFoundError, IngestError
from pasienis.ingest.mapping import LoadedMapping, load_mapping
from pasienis.ingest.models import import_runs, quarantine
from pasienis.ingest.service import ImportResult, run_import
from pasienis.security import Principal, visible_datasets
from pasienis.store import Store

#: Characters of an entry's hash shown as its short id (any unique prefix finds it).
SHORT_ID = 10
_PREFIX = "quarantine-"


def short_id(entry_id: str) -> str:
    """The id as listed: the start of its hash."""
    return entry_id.removeprefix(_PREFIX)[:SHORT_ID]


def _entry(row: Any) -> dict[str, Any]:
    found = {c: getattr(row, c) for c in quarantine.columns.keys()}  # noqa: SIM118 - Column collection
    found["kind"] = found.get("kind") or "record"
    found["short_id"] = short_id(found["id"])
    return found


def locator_key(locator: str) -> tuple[Any, ...]:
    """Sorts ``f.csv:10`` after ``f.csv:9`` (numbers in a locator compare as numbers)."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", locator))


def _filtered(
    query: Any, dataset: str | None, status: str | None, datasets: Iterable[str] | None = None
) -> Any:
    if dataset:
        query = query.where(quarantine.c.dataset == dataset)
    if status:
        query = query.where(quarantine.c.status == status)
    if datasets is not None:
        query = query.where(quarantine.c.dataset.in_(sorted(datasets)))
    return query


def count_entries(
    conn: Connection,
    *,
    dataset: str | None = None,
    status: str | None = "open",
    datasets: Iterable[str] | None = None,
) -> int:
    """How many entries match (the list shows at most its limit)."""
    query = _filtered(select(func.count()).select_from(quarantine), dataset, status, datasets)
    return int(conn.execute(query).scalar() or 0)


def list_entries(
    conn: Connection,
    *,
    dataset: str | None = None,
    status: str | None = "open",
    datasets: Iterable[str] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Quarantine entries in file order (per source, locators numerically), ``limit`` from
    ``offset``; ``datasets`` limits them to those (a caller's visible datasets: entries hold
    raw records). The order is made in SQL, so pages follow each other without overlap."""
    query = (
        _filtered(select(quarantine).order_by(*_file_order()), dataset, status, datasets)
        .limit(limit)
        .offset(offset)
    )
    return [_entry(r) for r in conn.execute(query)]


def _file_order() -> tuple[Any, ...]:
    """Source, then the locator's prefix and number: ``f.csv:9`` before ``f.csv:10``.

    Locators are ``<file>:<line>`` (or an XPath/JSON path with an index), so among those of
    one source a shorter locator has the smaller number; what :func:`locator_key` sorts in
    Python, without a numeric cast that would differ between SQLite and PostgreSQL. The id
    breaks ties, so every page is the same on every call."""
    c = quarantine.c
    return (c.source_name, func.length(c.locator), c.locator, c.id)


def get_entry(conn: Connection, *, entry_id: str) -> dict[str, Any]:
    """One entry by its id, or by any unique prefix of its short id."""
    text = entry_id.removeprefix(_PREFIX)
    rows = conn.execute(
        select(quarantine)
        .where(or_(quarantine.c.id == entry_id, quarantine.c.id.startswith(_PREFIX + text,
                                                                          autoescape=True)))
        .limit(2)
    ).all()  # fmt: skip
    if not rows or not text:
        raise ImportRunNotFoundError(f"no quarantine entry {entry_id!r}")
    if len(rows) > 1:
        raise ImportRunNotFoundError(
            f"{entry_id!r} starts several quarantine ids", hint="give more of the id"
        )
    return _entry(rows[0])


def _sources(conn: Connection, dataset: str | None) -> list[dict[str, Any]]:
    """The latest run (path, mapping) of each source that has open entries."""
    cond = quarantine.c.status == "open"
    if dataset:
        cond = and_(cond, quarantine.c.dataset == dataset)
    pairs = conn.execute(
        select(quarantine.c.dataset, quarantine.c.source_name).where(cond).distinct()
    ).all()
    found = []
    for ds, name in pairs:
        run = conn.execute(
            select(import_runs)
            .where(and_(import_runs.c.dataset == ds, import_runs.c.source_name == name))
            .order_by(import_runs.c.started_at.desc())
            .limit(1)
        ).first()
        if run is not None:
            found.append(
                {
                    "dataset": ds,
                    "source_name": name,
                    "path": run.source_path,
                    "mapping": run.mapping_name,
                }
            )
    return found


def retry_entries(
    store: Store,
    *,
    dataset: str | None = None,
    mapping: LoadedMapping | None = None,
    created_by: str | None = None,
    acting: Principal | None = None,
) -> list[ImportResult]:
    """Re-import the sources of open entries (with ``mapping`` if given, else the one used);
    ``acting`` limits this to the datasets that user sees and needs their write grants."""
    with store.read() as conn:
        sources = _sources(conn, dataset)
    if acting is not None:
        sources = [s for s in sources if s["dataset"] in visible_datasets(acting)]
    if not sources:
        raise IngestError(
            "no open quarantine entries to retry" + (f" in {dataset}" if dataset else "")
        )
    results = []
    for src in sources:
        the_mapping = mapping or _reload(src["mapping"])
        if the_mapping.mapping.dataset != src["dataset"]:
            continue
        if not src["path"] or not Path(src["path"]).is_file():
            raise IngestError(
                f"the source {src['source_name']} is no longer at {src['path']}",
                hint="import the fixed file with `pasienis ingest`",
            )
        results.append(
            run_import(
                store,
                source=Path(src["path"]),
                mapping=the_mapping,
                force=True,
                created_by=created_by,
                source_name=src["source_name"],
                acting=acting,
            )
        )
    return results


def _reload(mapping_name: str) -> LoadedMapping:
    path = Path(mapping_name)
    if not path.is_file():
        raise IngestError(
            f"the mapping {mapping_name} used before is gone", hint="pass --mapping FILE.yml"
        )
    return load_mapping(path)
