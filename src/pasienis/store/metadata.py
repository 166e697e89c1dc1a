"""The one SQLAlchemy ``MetaData`` every capability declares its tables on.

A naming convention gives constraints stable names, so Alembic migrations are identical on
SQLite and PostgreSQL and can drop or alter constraints by name.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: Modules that declare tables. Imported by name (not statically) so that ``store`` stays below
#: the capabilities in the layer order while migrations and tests still see every table.
TABLE_MODULES: tuple[str, ...] = (
    "pasienis.store.bulkload",
    "pasienis.model.models",
    "pasienis.model.events",
    "pasienis.model.mention_links",
    "pasienis.security.models",
    "pasienis.security.retention.models",
    "pasienis.jobs.models",
    "pasienis.ingest.models",
    "pasienis.ops.models",
    "pasienis.ops.pairing",
    "pasienis.security.idempotency",
    "pasienis.planning.models",
    "pasienis.violations.models",
    "pasienis.documents.models",
    "pasienis.graph.models",
    "pasienis.resolve.models",
    "pasienis.search.models",
    "pasienis.watch.models",
    "pasienis.risk.tables",
    "pasienis.cases.models",
)


def load_all_tables() -> MetaData:
    """Import every module that declares tables and return the populated metadata."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return metadata
