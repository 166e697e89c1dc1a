"""Column types that behave the same on every engine."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator

from pasienis.store.errors import StoreError


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC going in and coming out.

    SQLite has no time-zone type, so values are stored as naive UTC text there and as
    ``timestamptz`` on PostgreSQL; naive datetimes are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise StoreError(f"naive datetime {value!r}: pasienis stores only aware UTC times")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def to_utc(value: datetime) -> datetime:
    """``value`` as aware UTC (a naive time is taken as UTC).

    Raises:
        ValueError: the time has no UTC equivalent (``9999-12-31T23:59:59-23:59`` is in year
            10000, ``0001-01-01T00:00:00+05:00`` in year 0): Python cannot represent it, and a
            bad request must not become a 500 where it is first converted.
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError(f"{value.isoformat()} is outside the years 1..9999 in UTC") from exc


#: A request time: ISO-8601, converted to aware UTC on validation (naive = UTC), refused with
#: a 422 when it overflows. Use it for every datetime field and query parameter of the API.
UtcTime = Annotated[
    datetime,
    AfterValidator(to_utc),
    Field(description="ISO-8601 time; without a zone it is taken as UTC"),
]
