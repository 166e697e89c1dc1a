"""Engine-specific SQL: one module per engine, chosen once from the database URL.

Nothing outside ``store/`` asks which engine it runs on; it calls the :class:`Dialect` it was
given. Modules are imported lazily so that the PostgreSQL driver stays optional.
"""

from __future__ import annotations

import importlib

from pasienis.store.dialects.base import Dialect, OnConflict
from pasienis.store.errors import StoreError

_MODULES = {
    "sqlite": "pasienis.store.dialects.sqlite",
    "postgresql": "pasienis.store.dialects.postgresql",
}


def dialect_for(name: str) -> Dialect:
    """Return the :class:`Dialect` for an SQLAlchemy dialect name (``sqlite``, ``postgresql``)."""
    module_name = _MODULES.get(name)
    if module_name is None:
        raise StoreError(
            f"unsupported database engine {name!r}",
            hint="use an sqlite:/// or postgresql+psycopg:// URL in PASIENIS_DATABASE_URL",
        )
    module = importlib.import_module(module_name)
    dialect: Dialect = module.DIALECT
    return dialect


__all__ = ["Dialect", "OnConflict", "dialect_for"]
