"""SQLite full-text search for :mod:`pasienis.search`: an FTS5 table keyed by row id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text

#: Matches ranked by bm25 at most: ranking 25,000 rows that all hold one common word cost
#: 150 ms at 1M entities and orders nothing (the hits are scored afterwards); counting the
#: matches first costs about a millisecond.
RANKED = 2000
_FTS_SQL = text(
    "SELECT f.rowid, -f.rank FROM search_fts AS f JOIN search_entities AS e ON e.id = f.rowid "
    "WHERE search_fts MATCH :match AND e.dataset IN :datasets ORDER BY f.rank LIMIT :limit"
).bindparams(bindparam("datasets", expanding=True))
_FTS_UNRANKED_SQL = text(
    "SELECT f.rowid, 0.0 FROM search_fts AS f JOIN search_entities AS e ON e.id = f.rowid "
    "WHERE search_fts MATCH :match AND e.dataset IN :datasets LIMIT :limit"
).bindparams(bindparam("datasets", expanding=True))
_FTS_COUNT_SQL = text("SELECT count(*) FROM search_fts WHERE search_fts MATCH :match")

_DELETE_SQL = text("DELETE FROM search_fts WHERE rowid IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def fts_match(tokens: Sequence[str]) -> str:
    """An FTS5 query: every token quoted (no operator a user typed survives), last as prefix.

    Tokens are ``[a-z0-9]+`` already (the search folds the query), so quoting is enough:
    ``"``, ``*``, ``NEAR`` or ``-`` typed by a user never reach FTS5 as syntax.
    """
    parts = [f'"{t}"' for t in tokens]
    if parts and len(tokens[-1]) >= 3:
        parts[-1] += "*"
    return " ".join(parts)


class SQLiteSearch:
    """The FTS5 side of ``search_entities`` (a separate table holding the folded text)."""

    def fts_ddl(self) -> list[str]:
        # The folded text is ASCII already; remove_diacritics also covers text indexed raw.
        return [
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
            "folded, tokenize = 'unicode61 remove_diacritics 2')"
        ]

    def drop_fts_ddl(self) -> list[str]:
        return ["DROP TABLE IF EXISTS search_fts"]

    def fts_delete(self, conn: Connection, ids: Sequence[int]) -> None:
        for start in range(0, len(ids), 500):
            conn.execute(_DELETE_SQL, {"ids": [int(i) for i in ids[start : start + 500]]})

    def fts_replace(self, conn: Connection, rows: Sequence[tuple[int, str]]) -> None:
        if not rows:
            return
        self.fts_delete(conn, [r[0] for r in rows])
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany("INSERT INTO search_fts (rowid, folded) VALUES (?, ?)", rows)
        finally:
            cursor.close()

    def fts_candidates(
        self, conn: Connection, *, tokens: Sequence[str], datasets: Sequence[str], limit: int
    ) -> list[tuple[int, float]]:
        if not tokens or not datasets:
            return []
        params = {"match": fts_match(tokens), "datasets": list(datasets), "limit": limit}
        many = int(conn.execute(_FTS_COUNT_SQL, params).scalar() or 0) > RANKED
        sql = _FTS_UNRANKED_SQL if many else _FTS_SQL
        return [(int(r[0]), float(r[1])) for r in conn.execute(sql, params)]

    def fuzzy_candidates(
        self, conn: Connection, *, text: str, datasets: Sequence[str], limit: int
    ) -> list[tuple[int, float]]:
        """No trigram index in SQLite here: the typo keys of ``search_keys`` find typos."""
        return []
