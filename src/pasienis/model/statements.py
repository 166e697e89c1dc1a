"""Making statements: one validated, provenance-carrying row per property value.

A statement is (entity id, schema, property, value normalised by the property type, original
value, dataset, locator, import run, first seen, last seen). Values that the property type
rejects raise :class:`InvalidValueError` — they are never stored silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pasienis.model.errors import InvalidValueError, ModelError, UnknownSchemaError
from pasienis.model.values import clean_for

if TYPE_CHECKING:
    from followthemoney.property import Property
    from followthemoney.schema import Schema

#: The pseudo-property FtM uses to record that an entity of a schema exists.
BASE_PROP = "id"
#: Property types whose sources write several values in one cell ("+370 600 1; +370 600 2").
MULTI_VALUE_TYPES = frozenset({"phone", "email"})
_MULTI_SEPARATORS = re.compile(r"\s*[;,]\s*")


def split_multi(prop_type: str, raw: str) -> list[str]:
    """The values of one cell: phones and e-mails joined with ``;`` or ``,`` are split, so
    that each is validated on its own (one bad number must not hide the good ones)."""
    if prop_type in MULTI_VALUE_TYPES and (";" in raw or "," in raw):
        return [part for part in _MULTI_SEPARATORS.split(raw.strip()) if part]
    return [raw]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a batch of statements came from; shared by all statements of one record."""

    dataset: str
    seen: datetime
    run_id: str | None = None
    locator: str | None = None

    def __post_init__(self) -> None:
        if self.seen.tzinfo is None:
            raise ModelError("provenance time must be timezone-aware (UTC)")


@lru_cache(maxsize=4096)
def _schema(name: str) -> Schema:
    from followthemoney.model import Model

    schema = Model.instance().get(name)
    if schema is None:
        raise UnknownSchemaError(f"unknown schema {name!r}")
    return schema


@lru_cache(maxsize=16384)
def _property(schema_name: str, prop_name: str) -> Property:
    prop = _schema(schema_name).get(prop_name)
    if prop is None:
        raise UnknownSchemaError(f"schema {schema_name!r} has no property {prop_name!r}")
    return prop


def clear_caches() -> None:
    """Forget looked-up schemata (after the model was re-installed, e.g. in tests)."""
    _schema.cache_clear()
    _property.cache_clear()


def statement_id(dataset: str, entity_id: str, prop: str, value: str, lang: str | None) -> str:
    """The id FollowTheMoney gives the same statement, so ids agree with FtM tooling."""
    from followthemoney.statement import Statement

    key = Statement.make_key(dataset, entity_id, prop, value, False, lang=lang)
    assert key is not None
    return key


def clean_value(schema: str, prop: str, value: Any, *, locator: str | None = None) -> str:
    """Validate and normalise ``value`` for ``schema.prop`` or raise :class:`InvalidValueError`."""
    prop_obj = _property(schema, prop)
    raw = "" if value is None else str(value).strip()
    if not raw:
        raise InvalidValueError(
            schema=schema,
            prop=prop,
            prop_type=prop_obj.type.name,
            value=value,
            locator=locator,
            reason="empty",
        )
    cleaned, reason = clean_for(prop_obj, raw)
    if cleaned is None:
        raise InvalidValueError(
            schema=schema,
            prop=prop,
            prop_type=prop_obj.type.name,
            value=value,
            locator=locator,
            reason=reason,
        )
    return cleaned


def make_statement(
    entity_id: str,
    schema: str,
    prop: str,
    value: Any,
    provenance: Provenance,
    *,
    lang: str | None = None,
    reference: bool = False,
) -> tuple[Any, ...]:
    """One statement row in :data:`pasienis.model.models.STATEMENT_COLUMNS` order.

    ``reference``: ``value`` is an entity id made by :func:`~pasienis.model.make_id` for an
    entity-typed property; it is written as is (FtM's entity type rejects the underscores of
    dataset-named id namespaces), as the ingest pipeline writes references.
    """
    if prop == BASE_PROP:
        _schema(schema)
        cleaned, prop_type, original = entity_id, BASE_PROP, None
    elif reference:
        prop_type = _property(schema, prop).type.name
        if prop_type != "entity":
            raise ModelError(f"{schema}.{prop} is not an entity property")
        cleaned, original = str(value), None
    else:
        cleaned = clean_value(schema, prop, value, locator=provenance.locator)
        prop_type = _property(schema, prop).type.name
        original = str(value) if str(value) != cleaned else None
    return (
        statement_id(provenance.dataset, entity_id, prop, cleaned, lang),
        entity_id,
        schema,
        prop,
        prop_type,
        cleaned,
        original,
        lang,
        provenance.dataset,
        provenance.locator,
        provenance.run_id,
        provenance.seen,
        provenance.seen,
    )


def entity_statements(
    entity_id: str,
    schema: str,
    properties: dict[str, Any],
    provenance: Provenance,
    *,
    invalid: list[InvalidValueError] | None = None,
) -> list[tuple[Any, ...]]:
    """All statements of one entity: its ``id`` statement plus one per value.

    Values may be scalars or lists; phones and e-mails joined in one text are split
    (:func:`split_multi`). An invalid value raises :class:`InvalidValueError` (naming the
    property and the value), unless ``invalid`` is given: then it is appended there and the
    entity keeps its other values (value-level quarantine).
    """
    rows = [make_statement(entity_id, schema, BASE_PROP, entity_id, provenance)]
    for prop, values in properties.items():
        prop_type = _property(schema, prop).type.name
        for value in values if isinstance(values, list | tuple) else [values]:
            if value is None or str(value).strip() == "":
                continue
            for part in split_multi(prop_type, str(value)):
                try:
                    rows.append(make_statement(entity_id, schema, prop, part, provenance))
                except InvalidValueError as exc:
                    if invalid is None:
                        raise
                    invalid.append(exc)
    return rows
