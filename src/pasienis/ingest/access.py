"""Whom an import acts for: the write grant on its dataset, and the entity guard.

An import started by a user (the API, ``pasienis ingest --user``) writes only to a dataset
the user holds a write grant on; the first import into a dataset that does not exist makes
the user its owner. Its statements can never be attached to an entity id the user cannot
see: an entity id that exists (has statements) but none of whose statements — nor those of
the entities merged with it — is in a dataset the user may read (an FtM line naming it, or
a mapping whose ``key_namespace`` reproduces another dataset's ids) is quarantined with the
reason, never written. An import run by the operator (the shell,
the scenario loader, ``make demo``) acts for nobody and is not limited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, func, select

from pasienis.ingest.models import import_runs
from pasienis.ingest.pipeline import Output, RecordProblem
from pasienis.ingest.readers.base import SourceRecord
from pasienis.model.models import STATEMENT_COLUMNS, resolver, statements
from pasienis.security import (
    ForbiddenError,
    Principal,
    claim_for_writing,
    is_registered,
    validate_dataset_name,
    visible_datasets,
)

#: Entity ids per lookup (well under every engine's bound-parameter limit).
LOOKUP_CHUNK = 2_000
_ENTITY = STATEMENT_COLUMNS.index("entity_id")
_SCHEMA = STATEMENT_COLUMNS.index("schema")
_PROP = STATEMENT_COLUMNS.index("prop")
_VALUE = STATEMENT_COLUMNS.index("value")
_LOCATOR = STATEMENT_COLUMNS.index("locator")
FOREIGN_REASON = (
    "entity id {id} exists in a dataset you may not see: an import may not add facts to an "
    "entity you cannot see (ask for a read grant on its dataset, or use ids of your own)"
)


def authorize_import(
    conn: Connection, *, dataset: str, acting: Principal | None, classification: str
) -> bool:
    """Check that ``acting`` may write to ``dataset`` (``None``: the operator, unlimited).

    Returns whether the dataset was created (with ``acting`` as its owner).

    Raises:
        InvalidDatasetNameError: a name such as ``../../etc``.
        ForbiddenError: no write grant, or an unregistered name that already holds data.
    """
    validate_dataset_name(dataset)
    if acting is None:
        return False
    if not is_registered(conn, dataset) and _holds_data(conn, dataset):
        # Unregistered data is invisible to everyone; claiming the name would open it.
        raise ForbiddenError(
            f"dataset {dataset!r} holds data but is not registered",
            hint="an administrator registers it and grants access (pasienis users grant)",
        )
    return claim_for_writing(
        conn, dataset=dataset, user_id=acting.user_id, classification=classification
    )


def _holds_data(conn: Connection, dataset: str) -> bool:
    """Whether any run or statement names ``dataset`` (statements: a scan, but only when a
    new dataset is created, which is rare)."""
    for table in (import_runs, statements):
        if conn.execute(select(table.c.dataset).where(table.c.dataset == dataset).limit(1)).first():
            return True
    return False


@dataclass(frozen=True)
class EntityGuard:
    """Keeps an import's statements off entity ids of datasets outside ``allowed``."""

    allowed: frozenset[str]

    @classmethod
    def acting_for(cls, acting: Principal | None, dataset: str) -> EntityGuard | None:
        """The guard for an import into ``dataset`` by ``acting`` (none for the operator)."""
        if acting is None:
            return None
        return cls(frozenset(visible_datasets(acting)) | {dataset})

    def foreign(self, conn: Connection, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` that exist (have statements, their own or of entities merged
        with them) but that the writer cannot see: no statement of theirs is in
        :attr:`allowed` — exactly when ``load_entity(id, datasets=allowed)`` finds nothing."""
        wanted = sorted(set(ids))
        found: set[str] = set()
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            found |= self._foreign_chunk(conn, wanted[start : start + LOOKUP_CHUNK])
        return found

    def _foreign_chunk(self, conn: Connection, chunk: list[str]) -> set[str]:
        canonical = {i: i for i in chunk}
        rows = conn.execute(
            select(resolver.c.entity_id, resolver.c.canonical_id).where(
                resolver.c.entity_id.in_(chunk)
            )
        )
        canonical.update({r.entity_id: r.canonical_id for r in rows})
        members: dict[str, set[str]] = {c: {c} for c in canonical.values()}
        rows = conn.execute(
            select(resolver.c.entity_id, resolver.c.canonical_id).where(
                resolver.c.canonical_id.in_(sorted(members))
            )
        )
        for r in rows:
            members[r.canonical_id].add(r.entity_id)
        every = sorted(set().union(*members.values()))
        seen = case((statements.c.dataset.in_(sorted(self.allowed)), 1), else_=0)
        # per member: 1 when one of its statements is visible, 0 when all are hidden
        rows = conn.execute(
            select(statements.c.entity_id, func.max(seen))
            .where(statements.c.entity_id.in_(every))
            .group_by(statements.c.entity_id)
        )
        shown: dict[str, int] = {r[0]: r[1] for r in rows}  # entity id -> any visible
        refused = set()
        for entity_id in chunk:
            cluster = [m for m in members[canonical[entity_id]] if m in shown]
            if cluster and not any(shown[m] for m in cluster):
                refused.add(entity_id)
        return refused

    def screen(self, conn: Connection, out: Output) -> int:
        """Move the statements of foreign entity ids from ``out`` to its quarantine (one entry
        per source record, naming the ids); returns how many statements moved."""
        if not out.statements:
            return 0
        bad = self.foreign(conn, {row[_ENTITY] for row in out.statements})
        if not bad:
            return 0
        kept: list[tuple[Any, ...]] = []
        # locator -> entity id -> the refused entity as FtM JSON (what the record said)
        refused: dict[str, dict[str, dict[str, Any]]] = {}
        for row in out.statements:
            if row[_ENTITY] not in bad:
                kept.append(row)
                continue
            entities = refused.setdefault(row[_LOCATOR] or "", {})
            entity = entities.setdefault(
                row[_ENTITY], {"id": row[_ENTITY], "schema": row[_SCHEMA], "properties": {}}
            )
            entity["properties"].setdefault(row[_PROP], []).append(row[_VALUE])
        moved = len(out.statements) - len(kept)
        out.statements = kept
        for locator, entities in refused.items():
            ids = ", ".join(sorted(entities))
            fields = (
                next(iter(entities.values()))
                if len(entities) == 1
                else {"entities": list(entities.values())}
            )
            problem = RecordProblem("id", ids, FOREIGN_REASON.format(id=ids))
            out.quarantine.append((SourceRecord(-1, locator, fields), problem))
        out.entities = max(0, out.entities - len(bad))
        return moved
