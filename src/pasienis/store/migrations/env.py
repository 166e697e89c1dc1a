"""Alembic environment: runs migrations on the Store handed in by :mod:`pasienis.store.migrate`."""

from __future__ import annotations

from alembic import context

from pasienis.store.metadata import load_all_tables

config = context.config
store = config.attributes["store"]
# The migrations are written by hand with their own table definitions, so applying them needs
# no model metadata. Loading it imports every capability's package (OR-Tools, pandas, DuckDB,
# LightGBM: ~300 MB and seconds of start-up in every process that upgrades, an import too);
# it is loaded only for autogenerating a revision. tests/store/test_store.py compares the
# migrated schema with the metadata itself.
target_metadata = load_all_tables() if config.attributes.get("autogenerate") else None


def run_migrations() -> None:
    """Run online migrations in one transaction (SQLite: batch mode for ALTERs)."""
    with store.begin() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=store.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations()
