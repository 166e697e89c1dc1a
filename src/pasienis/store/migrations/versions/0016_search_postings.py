"""Search postings: a covering primary key (key, dataset, row_id) and pair keys of names.

``search_keys`` (key, row_id) kept ``dataset`` in the table, so every posting of a common key
cost a table lookup before the compartment filter; ``search_postings`` answers from its key
alone (WITHOUT ROWID on SQLite). Two-part names also get ``p:`` pair keys, so searching
"Aleksandr Volkov" reads the rows holding both parts instead of every Aleksandr.

The pair keys of rows already indexed are derived here from ``search_entities.name_keys``
with the rule as this revision defines it (copied, not imported: a migration is a snapshot,
and ``store`` sits below ``search`` in the layers). ``pasienis search reindex`` rebuilds
everything from statements with the current code.

Revision ID: 0016
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None

_MIN_TYPO_KEY = 5
_MAX_PAIR_PARTS = 5
_BATCH = 5000


def _variants(key: str) -> set[str]:
    if len(key) < _MIN_TYPO_KEY or key.isdigit():
        return set()
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


def _pair_keys(parts: tuple[str, ...]) -> set[str]:
    keys: set[str] = set()
    parts = parts[:_MAX_PAIR_PARTS]
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            for da in (a, *_variants(a)):
                keys.add("p:" + "|".join(sorted((da, b))))
            for db in _variants(b):
                keys.add("p:" + "|".join(sorted((a, db))))
    return keys


def _postings_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False, comment="search_entities.id"),
        sa.PrimaryKeyConstraint("key", "dataset", "row_id", name=op.f(f"pk_{name}")),
        sqlite_with_rowid=False,
    )


def _add_pair_keys() -> None:
    bind = op.get_bind()
    entities = sa.table(
        "search_entities", sa.column("id"), sa.column("dataset"), sa.column("name_keys")
    )
    postings = sa.table("search_postings", sa.column("key"), sa.column("dataset"),
                        sa.column("row_id"))  # fmt: skip
    last = 0
    while True:
        rows = bind.execute(
            sa.select(entities.c.id, entities.c.dataset, entities.c.name_keys)
            .where(entities.c.id > last)
            .order_by(entities.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        out = []
        for row_id, dataset, name_keys in rows:
            keys: set[str] = set()
            for line in (name_keys or "").split("\n"):
                keys |= _pair_keys(tuple(sorted(set(line.split()))))
            out.extend({"key": k, "dataset": dataset, "row_id": row_id} for k in keys)
        if out:
            bind.execute(postings.insert(), out)


def upgrade() -> None:
    _postings_table("search_postings")
    op.execute(
        "INSERT INTO search_postings (key, dataset, row_id) "
        "SELECT key, dataset, row_id FROM search_keys"
    )
    _add_pair_keys()
    op.drop_index(op.f("ix_search_keys_row_id"), table_name="search_keys")
    op.drop_table("search_keys")
    op.create_index(op.f("ix_search_postings_row_id"), "search_postings", ["row_id"])


def downgrade() -> None:
    op.create_table(
        "search_keys",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False, comment="search_entities.id"),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("key", "row_id", name=op.f("pk_search_keys")),
    )
    op.execute(
        "INSERT INTO search_keys (key, row_id, dataset) "
        "SELECT key, row_id, dataset FROM search_postings WHERE key NOT LIKE 'p:%'"
    )
    op.drop_index(op.f("ix_search_postings_row_id"), table_name="search_postings")
    op.drop_table("search_postings")
    op.create_index(op.f("ix_search_keys_row_id"), "search_keys", ["row_id"])
