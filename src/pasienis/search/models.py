"""Tables of the search index, derived from statements (rebuilt at will, never the truth).

One ``search_entities`` row per (entity, dataset): a row holds only the values of its own
dataset, so a caller who may read dataset A gets snippets, facets and keys from A alone even
when the same entity also has statements in B. ``search_keys`` holds the derived name and
identifier keys (:mod:`pasienis.search.keys`) so that variants are index lookups. The full-text
side (FTS5 table or a ``tsvector`` column) is engine-specific and made by the store dialect.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime

search_entities = Table(
    "search_entities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_id", String(128), nullable=False),
    Column("dataset", String(64), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("caption", Text, nullable=False, comment="the name shown in a result"),
    Column("names", Text, nullable=False, comment="name values as stored, one per line"),
    Column("body", Text, nullable=False, comment="every other value as stored, one per line"),
    Column("names_folded", Text, nullable=False, comment="ASCII lower case of the names"),
    Column("name_keys", Text, nullable=False, comment="each name's token keys, one per line"),
    Column("folded", Text, nullable=False, comment="ASCII lower case of names and body (FTS)"),
    Column("countries", String(256), nullable=False, comment="' lt ru ' (padded for LIKE)"),
    Column("date_min", String(10), nullable=True, comment="earliest date value, ISO"),
    Column("date_max", String(10), nullable=True, comment="latest date value, ISO"),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("entity_id", "dataset"),
)
Index("ix_search_entities_dataset_schema", search_entities.c.dataset, search_entities.c.schema)

#: Postings of the keys: the primary key (key, dataset, row_id) answers "rows with this key in
#: these datasets" from the index alone (a covering seek; SQLite stores it WITHOUT ROWID), which
#: the earlier (key, row_id) key with ``dataset`` in the table could not: one table lookup per
#: posting cost 15-60 ms for a common key at 1M entities (migration 0016).
search_keys = Table(
    "search_postings",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("dataset", String(64), primary_key=True),
    Column("row_id", Integer, primary_key=True, comment="search_entities.id"),
    sqlite_with_rowid=False,
)
Index("ix_search_postings_row_id", search_keys.c.row_id)

search_state = Table(
    "search_state",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
