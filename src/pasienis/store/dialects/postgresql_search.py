"""PostgreSQL full-text search for :mod:`pasienis.search`: ``tsvector`` + ``pg_trgm``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

#: Matches ranked at most (full text and trigram): ranking every row that holds a common word
#: or resembles a common name is the cost, and the hits are scored afterwards anyway.
RANKED = 2000
_FTS_SQL = text(
    "SELECT m.id, ts_rank_cd(m.tsv, to_tsquery('simple', :q)) AS rank FROM ("
    "SELECT id, tsv FROM search_entities WHERE tsv @@ to_tsquery('simple', :q) "
    "AND dataset = ANY(:datasets) LIMIT :ranked) AS m ORDER BY rank DESC LIMIT :limit"
)
_TRGM_SQL = text(
    "SELECT m.id, similarity(m.names_folded, :t) AS sim FROM ("
    "SELECT id, names_folded FROM search_entities WHERE names_folded % :t "
    "AND dataset = ANY(:datasets) LIMIT :ranked) AS m ORDER BY sim DESC LIMIT :limit"
)


def tsquery(tokens: Sequence[str]) -> str:
    """``a & b & c:*`` from ``[a-z0-9]+`` tokens (nothing a user typed is tsquery syntax)."""
    parts = list(tokens)
    if parts and len(parts[-1]) >= 3:
        parts[-1] += ":*"
    return " & ".join(parts)


class PostgreSQLSearch:
    """A generated ``tsvector`` over the folded text and a trigram index over the names."""

    def fts_ddl(self) -> list[str]:
        return [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "ALTER TABLE search_entities ADD COLUMN IF NOT EXISTS tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED",
            "CREATE INDEX IF NOT EXISTS ix_search_entities_tsv ON search_entities USING gin (tsv)",
            "CREATE INDEX IF NOT EXISTS ix_search_entities_trgm ON search_entities "
            "USING gin (names_folded gin_trgm_ops)",
        ]

    def drop_fts_ddl(self) -> list[str]:
        return [
            "DROP INDEX IF EXISTS ix_search_entities_trgm",
            "DROP INDEX IF EXISTS ix_search_entities_tsv",
            "ALTER TABLE search_entities DROP COLUMN IF EXISTS tsv",
        ]

    def fts_delete(self, conn: Connection, ids: Sequence[int]) -> None:
        """Nothing: the ``tsvector`` is a generated column of the row itself."""

    def fts_replace(self, conn: Connection, rows: Sequence[tuple[int, str]]) -> None:
        """Nothing: the ``tsvector`` is generated from ``folded`` when the row is written."""

    def fts_candidates(
        self, conn: Connection, *, tokens: Sequence[str], datasets: Sequence[str], limit: int
    ) -> list[tuple[int, float]]:
        if not tokens or not datasets:
            return []
        params = {"q": tsquery(tokens), "datasets": list(datasets), "limit": limit,
                  "ranked": RANKED}  # fmt: skip
        return [(int(r[0]), float(r[1])) for r in conn.execute(_FTS_SQL, params)]

    def fuzzy_candidates(
        self, conn: Connection, *, text: str, datasets: Sequence[str], limit: int
    ) -> list[tuple[int, float]]:
        if len(text) < 3 or not datasets:
            return []
        params = {"t": text, "datasets": list(datasets), "limit": limit, "ranked": RANKED}
        return [(int(r[0]), float(r[1])) for r in conn.execute(_TRGM_SQL, params)]
