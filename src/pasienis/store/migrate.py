"""Alembic, driven from code: ``pasienis db upgrade`` and the test fixtures call these."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from pasienis.store.engine import Store

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(store: Store) -> Config:
    """An Alembic config that runs on the store's engine (or pinned test connection)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["store"] = store
    return cfg


def upgrade(store: Store, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(store), revision)


def downgrade(store: Store, revision: str) -> None:
    """Revert migrations down to ``revision`` (``base`` empties the database)."""
    command.downgrade(alembic_config(store), revision)


def current_revision(store: Store) -> str | None:
    """The revision the database is at, or ``None`` when never migrated."""
    with store.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this version of pasienis."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def revisions_between(before: str | None, after: str | None) -> list[tuple[str, str]]:
    """``(revision, first line of its docstring)`` of the migrations that lead from
    ``before`` to ``after``, oldest first (what an upgrade applied)."""
    if after is None or before == after:
        return []
    script = ScriptDirectory(str(MIGRATIONS))
    found = script.iterate_revisions(after, before or "base")
    steps = [(rev.revision, (rev.doc or "").strip().splitlines()[0]) for rev in found]
    return list(reversed(steps))
