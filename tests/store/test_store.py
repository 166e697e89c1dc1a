"""The store on both engines: migrations, bulk path, idempotence, UTC, spatial index."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from pasienis.config import Settings
from pasienis.model.events import plate_reads, row_columns
from pasienis.model.models import STATEMENT_COLUMNS, statements
from pasienis.model.service import write_statements
from pasienis.model.statements import Provenance, entity_statements
from pasienis.store import (
    OnConflict,
    Store,
    StoreError,
    current_revision,
    head_revision,
    open_store,
)
from pasienis.store.dialects.base import naive_utc_text
from pasienis.store.metadata import load_all_tables

T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
READ_COLS = list(row_columns(plate_reads))


def read_row(i: int, when: datetime = T0) -> tuple:
    return (
        f"r{i}", when + timedelta(seconds=i), 54.6 + i * 1e-4, 25.2 + i * 1e-4, "cams",
        f"f.csv:{i}", "run1", {"lane": i % 3}, f"CAM{i % 7}", f"ABC{i:03d}", f"ABC {i:03d}",
        "LT", 0.9, None,
    )  # fmt: skip


def count(store: Store, table) -> int:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_migrated_to_head(store: Store) -> None:
    assert current_revision(store) == head_revision() is not None
    store.check()


def test_bulk_insert_is_idempotent(store: Store) -> None:
    rows = [read_row(i) for i in range(1000)]
    with store.begin() as conn:
        assert store.bulk_insert(conn, plate_reads, READ_COLS, rows) == 1000
    with store.begin() as conn:
        store.bulk_insert(conn, plate_reads, READ_COLS, [*rows[:10], read_row(1000)])
    assert count(store, plate_reads) == 1001


def test_a_row_stated_again_takes_the_later_stamp(store: Store) -> None:
    """``restamp``: a new row keeps NULL; a stored row stated again takes the stamp, the
    newest of them when stated several times (SQLite's max() of NULL is NULL)."""
    first, later = T0 + timedelta(days=1), T0 + timedelta(days=2)

    def state(rows: list[tuple], stamp: datetime) -> None:
        with store.begin() as conn:
            store.bulk_insert(
                conn, plate_reads, READ_COLS, rows,
                on_conflict=OnConflict.TOUCH, touch=(), restamp={"last_seen": stamp},
            )  # fmt: skip

    def stamps() -> dict[str, datetime | None]:
        with store.read() as conn:
            return dict(conn.execute(select(plate_reads.c.id, plate_reads.c.last_seen)).all())

    state([read_row(0), read_row(1)], first)
    assert stamps() == {"r0": None, "r1": None}
    state([read_row(0), read_row(2)], later)
    assert stamps() == {"r0": later, "r1": None, "r2": None}
    state([read_row(0), read_row(1)], first)  # an older run's stamp lowers nothing
    assert stamps() == {"r0": later, "r1": first, "r2": None}
    assert count(store, plate_reads) == 3


def test_times_round_trip_as_aware_utc(store: Store) -> None:
    with store.begin() as conn:
        store.bulk_insert(conn, plate_reads, READ_COLS, [read_row(5)])
    with store.read() as conn:
        row = conn.execute(select(plate_reads).where(plate_reads.c.id == "r5")).one()
    assert row.occurred_at == T0 + timedelta(seconds=5)
    assert row.occurred_at.utcoffset() == timedelta(0)
    assert row.attributes == {"lane": 2}


def test_naive_datetime_is_refused(store: Store) -> None:
    naive = list(read_row(1))
    naive[1] = datetime(2026, 9, 1, 12, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"), store.begin() as conn:
        store.bulk_insert(conn, plate_reads, READ_COLS, [tuple(naive)])


def test_converted_rows_are_stored_as_the_engine_converts_them(store: Store) -> None:
    """Importers convert times themselves (``bind_datetime``) and pass ``converted=True``: the
    stored rows are exactly those the engine's own conversion makes."""
    zones = [UTC, timezone(timedelta(hours=3)), ZoneInfo("Europe/Vilnius"), ZoneInfo("Asia/Dili")]
    rows = [
        read_row(i, datetime(2026, 3, 29, 0, 30, 15, 123456 * (i % 2), tzinfo=zones[i % 4]))
        for i in range(40)
    ]
    with store.begin() as conn:
        store.bulk_insert(conn, plate_reads, READ_COLS, rows)
    with store.read() as conn:
        reference = conn.execute(select(plate_reads).order_by(plate_reads.c.id)).all()
    with store.begin() as conn:
        conn.execute(plate_reads.delete())
        bound = [(r[0], store.bind_datetime(r[1]), *r[2:7], json.dumps(r[7]), *r[8:]) for r in rows]
        store.bulk_insert(conn, plate_reads, READ_COLS, bound, converted=True)
    with store.read() as conn:
        assert conn.execute(select(plate_reads).order_by(plate_reads.c.id)).all() == reference
    assert {r.occurred_at for r in reference} == {r[1] for r in rows}


def test_utc_text_is_what_sqlalchemy_stores_in_every_zone() -> None:
    """The bulk path's SQLite text for a time equals SQLAlchemy's own (``astimezone`` to UTC,
    naive, microseconds), across offsets, daylight-saving folds and four-digit years."""
    rng = random.Random(5)
    zones = [UTC, timezone(timedelta(hours=-9, minutes=-30)), ZoneInfo("Europe/Vilnius"),
             ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]  # fmt: skip
    for _ in range(20_000):
        when = datetime(
            rng.randint(2, 9998), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
            rng.randint(0, 59), rng.randint(0, 59), rng.choice([0, rng.randint(0, 999_999)]),
            tzinfo=rng.choice(zones), fold=rng.randint(0, 1),
        )  # fmt: skip
        expected = when.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        assert naive_utc_text(when) == expected
    with pytest.raises(ValueError, match="naive"):
        naive_utc_text(datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


def test_statements_touch_last_seen_on_reimport(store: Store) -> None:
    first = Provenance("reg", T0, run_id="run1", locator="reg.csv:2")
    later = Provenance("reg", T0 + timedelta(days=3), run_id="run2", locator="reg.csv:2")
    props = {"name": "Jonas Žukauskas", "birthDate": "1979-04-12"}
    with store.begin() as conn:
        write_statements(store, conn, entity_statements("p1", "Person", props, first))
    with store.begin() as conn:
        write_statements(store, conn, entity_statements("p1", "Person", props, later))
    with store.read() as conn:
        rows = conn.execute(select(statements)).all()
    assert len(rows) == 3  # id + name + birthDate, not duplicated
    assert {r.first_seen for r in rows} == {T0}
    assert {r.last_seen for r in rows} == {T0 + timedelta(days=3)}
    assert {r.run_id for r in rows} == {"run1"}, "a re-import never rewrites provenance"


def test_statement_key_collision_in_one_batch_is_folded(store: Store) -> None:
    prov = Provenance("reg", T0)
    rows = entity_statements("p1", "Person", {"name": "A"}, prov)
    with store.begin() as conn:
        store.bulk_insert(
            conn, statements, STATEMENT_COLUMNS, rows + rows, on_conflict=OnConflict.TOUCH
        )
    assert count(store, statements) == 2


def test_bbox_query_finds_points_inside(store: Store) -> None:
    rows = [read_row(i) for i in range(100)]
    with store.begin() as conn:
        store.bulk_insert(conn, plate_reads, READ_COLS, rows)
    sql = store.dialect.bbox_ids_sql("plate_reads")
    box = {"west": 25.2, "south": 54.6, "east": 25.2 + 9.5e-4, "north": 54.6 + 9.5e-4}
    with store.read() as conn:
        ids = set(conn.execute(text(sql), box).scalars())
    assert ids == {f"r{i}" for i in range(10)}


def test_primary_key_is_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError), store.begin() as conn:
        conn.execute(plate_reads.insert(), [dict(zip(READ_COLS, read_row(1), strict=True))] * 2)


def test_unsupported_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="unsupported database engine"):
        open_store(Settings(database_url="mysql://x@localhost/db"))
    with pytest.raises(StoreError, match="cannot parse"):
        open_store(Settings(database_url="not a url"))


FTS_OBJECTS = frozenset({"tsv", "ix_search_entities_tsv", "ix_search_entities_trgm"})


@pytest.mark.filterwarnings("ignore:Did not recognize type:sqlalchemy.exc.SAWarning")
def test_models_and_migrations_agree(store: Store) -> None:
    """A table or column added to a models.py without a migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    def include(obj, name, type_, reflected, compare_to) -> bool:
        # Spatial helpers are created by the dialect, not declared on the metadata.
        name = name or ""
        spatial = "_rtree" in name or "geog" in name or name.endswith("_lat_lon")
        # So is the full-text side of the search index (FTS5 tables, tsvector, trigram index).
        fts = name.startswith("search_fts") or name in FTS_OBJECTS
        return not spatial and not fts and name != "spatial_ref_sys"

    with store.read() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include})
        diff = compare_metadata(ctx, load_all_tables())
    assert diff == []
