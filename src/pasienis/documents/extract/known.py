"""Reading what the store already knows: names to match and identifiers to link to."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sqlalchemy import Connection, select

from pasienis.documents.extract.names import SCHEMA_KINDS, NameIndex
from pasienis.model.models import statements

#: Mention kind -> (FtM property type, schema of the new entity, its property, id namespace).
#: The namespaces are those of the shipped mappings (``key_namespace``), so a plate in a
#: report and the same plate in a crossing record are one vehicle.
IDENTIFIER_ENTITIES = {
    "plate": ("identifier", "Vehicle", "registrationNumber", "vehicle-plate"),
    "iban": ("iban", "BankAccount", "iban", "iban"),
    "phone": ("phone", "PhoneNumber", "number", "phone"),
}
_NAME_PROPS = ("name", "alias", "previousName", "weakAlias")


def load_name_index(conn: Connection, *, datasets: Iterable[str] | None = None) -> NameIndex:
    """A :class:`NameIndex` of every name of a person, company or place in the store."""
    query = select(statements.c.entity_id, statements.c.schema, statements.c.value).where(
        statements.c.prop_type == "name",
        statements.c.prop.in_(_NAME_PROPS),
        statements.c.schema.in_(list(SCHEMA_KINDS)),
    )
    if datasets is not None:
        query = query.where(statements.c.dataset.in_(list(datasets)))
    index = NameIndex()
    for entity_id, schema, value in conn.execute(query):
        index.add(entity_id, schema, value)
    return index


@cache
def _text_schemata() -> list[str]:
    """Documents, pages and mentions: they *mention* identifiers, they are not their holders."""
    from followthemoney.model import Model

    model = Model.instance()
    names = [s.name for s in model.schemata.values() if s.is_a("Document")]
    return sorted({*names, "Page", "Mention"})


def known_identifiers(
    conn: Connection,
    wanted: Iterable[tuple[str, str]],
    *,
    datasets: Iterable[str] | None = None,
) -> dict[tuple[str, str], str]:
    """``(property type, value) -> entity id`` of entities already holding those values.

    One query over the (prop_type, value) index; plates are compared by their matching key,
    as every source writes them (:func:`pasienis.model.plates.normalise_plate`).
    """
    pairs = set(wanted)
    if not pairs:
        return {}
    # Two plain IN lists use the (prop_type, value) index on every engine; a row-value IN
    # does not on SQLite. The pairs are then checked here.
    query = select(statements.c.prop_type, statements.c.value, statements.c.entity_id).where(
        statements.c.prop_type.in_(sorted({t for t, _ in pairs})),
        statements.c.value.in_(sorted({v for _, v in pairs})),
        statements.c.schema.not_in(_text_schemata()),
    )
    if datasets is not None:
        query = query.where(statements.c.dataset.in_(list(datasets)))
    rows = conn.execute(query.order_by(statements.c.entity_id))
    found: dict[tuple[str, str], str] = {}
    for prop_type, value, entity_id in rows:
        if (prop_type, value) in pairs:
            found.setdefault((prop_type, value), entity_id)
    return found


def identifier_holders(
    conn: Connection,
    wanted: Iterable[tuple[str, str]],
    *,
    datasets: Iterable[str] | None = None,
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """``(property type, value) -> [(entity id, schema), ...]``: *every* entity holding each
    value (a phone two persons share has two holders), in id order."""
    pairs = set(wanted)
    if not pairs:
        return {}
    s = statements.c
    query = select(s.prop_type, s.value, s.entity_id, s.schema).where(
        s.prop_type.in_(sorted({t for t, _ in pairs})),
        s.value.in_(sorted({v for _, v in pairs})),
        s.schema.not_in(_text_schemata()),
    )
    if datasets is not None:
        query = query.where(s.dataset.in_(list(datasets)))
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for prop_type, value, entity_id, schema in conn.execute(query.order_by(s.entity_id)):
        if (prop_type, value) in pairs:
            bucket = found.setdefault((prop_type, value), [])
            if (entity_id, schema) not in bucket:
                bucket.append((entity_id, schema))
    return found
