"""Alembic environment: runs migrations on the Store handed in by :mod:`pasienis.store.migrate`."""

from __future__ import annotations

from alembic import context

from pasienis.store.metadata import load_all_tables

config = context.config
store = config.attributes["store"]
target_metadata = load_all_tables()


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
