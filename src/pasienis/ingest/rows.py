"""The rows an import writes, each defined once for every path: statement rows and their ids
(FollowTheMoney's statement key), event ids, and the ``attributes`` JSON of events.

The general processor (:mod:`.pipeline`), the flat record path and the column-wise path
(:mod:`.flat`, :mod:`.flat_chunks`) and the writer all build rows through these functions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pasienis.model import make_id
from pasienis.model.models import STATEMENT_COLUMNS

if TYPE_CHECKING:
    from pasienis.ingest.compile import CEvent

#: Longest id prefix that keeps ``prefix-<40 hex>`` within the event tables' 64 characters.
EVENT_PREFIX = 23
#: A cleaned value of an entity: (property, property type, value, original text or None).
Value = tuple[str, str, str, str | None]


def statement_key() -> Any:
    """FollowTheMoney's statement key function (``Statement.make_key``): the one formula of
    a statement id, so ids agree with FtM tooling (imported late: the model folder must be
    assembled before FtM is first imported)."""
    from followthemoney.statement import Statement

    return Statement.make_key


def statement_rows(
    out: list[tuple[Any, ...]],
    *,
    dataset: str,
    entity_id: str,
    schema: str,
    values: Iterable[Value],
    locator: str,
    run_id: str,
    seen: Any,
    make_ids: bool,
) -> None:
    """Append an entity's statement rows (``STATEMENT_COLUMNS``): its ``id`` statement, then
    one per value. ``make_ids=False`` leaves the id ``None`` for the writer to make
    (:func:`with_statement_ids`, ``Output.writer_ids``)."""
    key = statement_key() if make_ids else None
    ds, eid = dataset, entity_id
    out.append(
        (key and key(ds, eid, "id", eid, None), eid, schema, "id", "id", eid, None, None,
         ds, locator, run_id, seen, seen)
    )  # fmt: skip
    for prop, ptype, value, original in values:
        out.append(
            (key and key(ds, eid, prop, value, None), eid, schema, prop, ptype, value, original,
             None, ds, locator, run_id, seen, seen)
        )  # fmt: skip


_DATASET, _ENTITY, _PROP, _VALUE = (
    STATEMENT_COLUMNS.index(c) for c in ("dataset", "entity_id", "prop", "value")
)


def with_statement_ids(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Statement rows whose id is ``None`` (``Output.writer_ids``), with the id FtM gives
    the statement of their own dataset, entity, property and value."""
    key = statement_key()
    d, e, p, v = _DATASET, _ENTITY, _PROP, _VALUE
    return [(key(r[d], r[e], r[p], r[v], None), *r[1:]) for r in rows]


def event_attributes(names: Sequence[str], values: Sequence[Any]) -> str | None:
    """The ``attributes`` JSON of an event: the named source fields that hold a value."""
    found = {a: v for a, v in zip(names, values, strict=True) if v not in (None, "")}
    return json.dumps(found, ensure_ascii=False, sort_keys=True) if found else None


def id_scheme(namespace: str) -> tuple[str, str]:
    """``(prefix, hashed)``: an event id is ``prefix-sha1(hashed + key)`` (:func:`event_key`).
    A long namespace is cut in the prefix and hashed in full with the key, so two namespaces
    never share ids."""
    if len(namespace) <= EVENT_PREFIX:
        return namespace, f"{namespace}\x1f"
    prefix = namespace[:EVENT_PREFIX].rstrip("._-")
    return prefix, f"{prefix}\x1f{namespace}\x1f"


def event_key(parts: Sequence[str]) -> str:
    """What an event id hashes of the key parts (after the namespace): the non-empty parts,
    stripped, joined as :func:`pasienis.model.make_id` joins them."""
    return "\x1f".join(p for k in parts if (p := k.strip()))


def id_of_key(prefix: str, hashed: str, key: str) -> str:
    """An event id from its :func:`id_scheme` and key text (:func:`event_key`)."""
    return f"{prefix}-{hashlib.sha1(f'{hashed}{key}'.encode(), usedforsecurity=False).hexdigest()}"


def event_id(namespace: str, parts: list[str]) -> str:
    """The id of the event of ``namespace`` with these key parts: :func:`id_of_key` of
    :func:`id_scheme` and :func:`event_key`, which for a short namespace is the
    :func:`~pasienis.model.make_id` of the namespace and the parts."""
    if not any(p.strip() for p in parts):
        return make_id(namespace, *parts)  # raises: an id made of nothing is refused
    return id_of_key(*id_scheme(namespace), event_key(parts))


@dataclass(frozen=True)
class EventTarget:
    """Where the rows of one mapped event go, and how the writer makes their ids."""

    table: str
    columns: tuple[str, ...]
    id_prefix: str
    id_hashed: str

    @classmethod
    def of(cls, event: CEvent) -> EventTarget:
        prefix, hashed = id_scheme(event.namespace)
        return cls(event.table.name, event.column_names, prefix, hashed)

    def with_ids(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Rows whose first value is a key text (``Output.writer_ids``), with ids instead:
        :func:`id_of_key` of each, its constant parts encoded once (the writer makes a
        million of these for 1M crossings; ``tests/ingest/test_event_ids.py`` requires the
        same ids)."""
        head, hashed, sha1 = f"{self.id_prefix}-", self.id_hashed.encode(), hashlib.sha1
        return [
            (head + sha1(hashed + row[0].encode(), usedforsecurity=False).hexdigest(), *row[1:])
            for row in rows
        ]
