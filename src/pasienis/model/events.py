"""High-volume event tables: typed rows with UTC time, a WGS84 point and entity references.

Crossings, plate reads, declarations with goods items and violations come in millions; they
stay rows here and reach the graph as aggregated, time-spanned links, never as nodes.
Every event row carries its provenance (dataset, locator, import run) like a statement does.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Index, Integer, String, Table, Text

from pasienis.store.metadata import metadata
from pasienis.store.types import UTCDateTime


def _common(point: bool = True, time_index: bool = True) -> list[Column]:
    """Columns every event table shares: id, time, place, provenance, extension attributes.

    ``time_index`` is off where composite indexes lead with another column and time: every
    index costs bulk-load speed, and plate reads arrive by the million.
    """
    cols: list[Column] = [
        Column("id", String(64), primary_key=True, comment="hash of source + source key"),
        Column("occurred_at", UTCDateTime, nullable=False, index=time_index),
    ]
    if point:
        cols += [Column("lat", Float, nullable=True), Column("lon", Float, nullable=True)]
    cols += [
        Column("dataset", String(64), nullable=False),
        Column("locator", Text, nullable=True),
        Column("run_id", String(64), nullable=True),
        Column("attributes", JSON, nullable=True, comment="source fields with no column"),
    ]
    return cols


def _last_seen() -> Column:
    """Last in every event table, where migration 0028 added it to stored ones."""
    return Column(
        "last_seen",
        UTCDateTime,
        nullable=True,
        comment="start of the last import run that stated it again; NULL: only its first",
    )


#: Event columns every import fills itself: never mapped, not shown as a record's values.
FILLED_COLUMNS = frozenset({"id", "dataset", "locator", "run_id", "last_seen", "attributes"})


def _ref(name: str) -> Column:
    return Column(name, String(128), nullable=True, index=True, comment="entity id")


border_crossings = Table(
    "border_crossings",
    metadata,
    *_common(time_index=False),
    Column("checkpoint_id", String(128), nullable=True),
    Column("direction", String(8), nullable=True, comment="entry or exit"),
    _ref("person_id"),
    _ref("vehicle_id"),
    Column("document_id", String(128), nullable=True, comment="entity id"),
    _last_seen(),
)
# Crossings come by the million: few indexes. Who crossed checkpoint C between t1 and t2;
# the crossings of a person or a vehicle. Checkpoints are fixed places: no spatial index.
Index(
    "ix_border_crossings_checkpoint_time",
    border_crossings.c.checkpoint_id,
    border_crossings.c.occurred_at,
)

plate_reads = Table(
    "plate_reads",
    metadata,
    *_common(time_index=False),
    Column("camera_id", String(64), nullable=False),
    Column("plate", String(32), nullable=False, comment="normalised plate"),
    Column("plate_raw", String(32), nullable=True, comment="as the camera read it"),
    Column("country", String(8), nullable=True),
    Column("confidence", Float, nullable=True),
    _ref("vehicle_id"),
    _last_seen(),
)
# Who passed camera C between t1 and t2 (co-travel), where was plate P and when (tracks).
Index("ix_plate_reads_camera_time", plate_reads.c.camera_id, plate_reads.c.occurred_at)
Index("ix_plate_reads_plate_time", plate_reads.c.plate, plate_reads.c.occurred_at)

declarations = Table(
    "declarations",
    metadata,
    *_common(),
    Column("reference", String(64), nullable=False, index=True, comment="LRN or MRN"),
    Column("office_code", String(16), nullable=True),
    Column("procedure", String(16), nullable=True),
    _ref("declarant_id"),
    _ref("consignor_id"),
    _ref("consignee_id"),
    _ref("vehicle_id"),
    Column("total_value", Float, nullable=True),
    Column("currency", String(3), nullable=True),
    _last_seen(),
)

goods_items = Table(
    "goods_items",
    metadata,
    *_common(point=False),
    Column("declaration_id", String(64), nullable=False, index=True),
    Column("item_no", Integer, nullable=False),
    Column("cn_code", String(10), nullable=True, index=True),
    Column("description", Text, nullable=True),
    Column("origin_country", String(2), nullable=True),
    Column("net_mass_kg", Float, nullable=True),
    Column("statistical_value", Float, nullable=True),
    Column("currency", String(3), nullable=True),
    _last_seen(),
)

violations = Table(
    "violations",
    metadata,
    *_common(),
    Column("category", String(32), nullable=False, index=True),
    Column("quantity", Float, nullable=True),
    Column("unit_of_measure", String(16), nullable=True),
    Column("value_eur", Float, nullable=True),
    Column("found_by", String(64), nullable=True, comment="unit call sign"),
    _ref("person_id"),
    _ref("vehicle_id"),
    Column("description", Text, nullable=True),
    _last_seen(),
)

#: Event tables with a point, spatially indexed by the dialect (R*Tree / PostGIS).
SPATIAL_EVENT_TABLES: tuple[str, ...] = (
    "plate_reads",
    "declarations",
    "violations",
)

EVENT_TABLES = {
    t.name: t for t in (border_crossings, plate_reads, declarations, goods_items, violations)
}


def row_columns(table: Table) -> tuple[str, ...]:
    """An event row's columns in table order, as code that writes whole rows gives them:
    all but ``last_seen``, which only an import stamps (``restamp`` of a bulk insert)."""
    return tuple(c.name for c in table.columns if c.name != "last_seen")
