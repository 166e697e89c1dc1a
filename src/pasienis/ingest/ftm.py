"""FollowTheMoney entity streams in (as statements) and out (entities folded from statements)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import Connection, select

from pasienis.ingest.pipeline import Output, RecordProblem, detached
from pasienis.ingest.readers.base import SourceRecord
from pasienis.model import (
    InvalidValueError,
    Provenance,
    UnknownSchemaError,
    entity_statements,
    live,
)
from pasienis.model.models import statements
from pasienis.model.service import load_entity


class FtMProcessor:
    """Turns FtM entity dicts into statements. A value that does not validate is quarantined
    as a value (with the entity id, the property and its original text) and the entity goes
    in with its other values; phones and e-mails joined in one text are split first. An
    entity without an id or schema, or with an unknown schema, is quarantined whole."""

    def __init__(self, *, dataset: str, run_id: str, seen: datetime) -> None:
        self.dataset, self.run_id, self.seen = dataset, run_id, seen

    def new_output(self) -> Output:
        """An empty batch (times stay datetimes: the writer converts them)."""
        return Output()

    def process(self, record: SourceRecord, out: Output) -> None:
        out.records += 1
        if record.problem is not None:
            out.quarantine.append((record, RecordProblem(None, None, record.problem)))
            return
        obj = record.fields
        provenance = Provenance(self.dataset, self.seen, self.run_id, record.locator)
        props = obj.get("properties") or {}
        invalid: list[InvalidValueError] = []
        try:
            if not isinstance(props, dict):
                raise RecordProblem("properties", props, "properties must be an object")
            if not obj.get("id") or not obj.get("schema"):
                raise RecordProblem("id", obj.get("id"), "an entity needs an id and a schema")
            entity_id = str(obj["id"])
            rows = entity_statements(
                entity_id, str(obj["schema"]), props, provenance, invalid=invalid
            )
        except UnknownSchemaError as exc:
            out.quarantine.append((record, RecordProblem("schema", obj.get("schema"), str(exc))))
            return
        except RecordProblem as problem:
            out.quarantine.append((record, detached(problem)))
            return
        out.statements.extend(rows)
        out.entities += 1
        for exc in invalid:
            problem = RecordProblem(exc.prop, exc.value, exc.reason, (), entity_id, exc.prop)
            out.quarantine.append((record, problem))


def entity_ids(conn: Connection, *, dataset: str | None = None) -> Iterator[str]:
    """Distinct entity ids with statements (of one dataset when given)."""
    query = (
        select(statements.c.entity_id)
        .where(live(statements))
        .distinct()
        .order_by(statements.c.entity_id)
    )
    if dataset:
        query = query.where(statements.c.dataset == dataset)
    for row in conn.execute(query):
        yield row[0]


def export_entities(conn: Connection, out: IO[str], *, dataset: str | None = None) -> int:
    """Write entities as FtM JSON lines (``ftm`` and Aleph read them); returns how many."""
    count = 0
    datasets = [dataset] if dataset else None
    for entity_id in entity_ids(conn, dataset=dataset):
        entity = load_entity(conn, entity_id, datasets=datasets)
        data: dict[str, Any] = {
            "id": entity.id,
            "schema": entity.schema.name,
            "properties": entity.properties,
        }
        out.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count
