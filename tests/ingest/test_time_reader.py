"""Event times on the flat paths (``flat_columns.time_reader``) are what the definition gives:
``bind(datetime.fromisoformat(text))`` for an ISO-8601 time with a UTC offset, else nothing
(the general path then decides) — also for a time whose hour was converted before and is
not parsed again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pasienis.ingest.flat_columns import time_reader
from pasienis.store.dialects.sqlite import SQLiteDialect

DATES = ["2026-09-01", "2026-12-31", "2026-02-30", "2024-02-29", "2026-9-01"]
HOURS = ["00", "09", "23", "24", "1a", "٠٩"]
SIXTY = ["00", "07", "59", "60", "61", "5x", " 1", "٣٤", "0"]
OFFSETS = ["+03:00", "-05:00", "+00:00", "Z", "+03:30", "+0300", "", "+03:00:00", "+14:00"]


@st.composite
def sequences(draw: st.DrawFn) -> list[str]:
    """Texts of a few hours and offsets (so one is often seen again), varied in the rest."""
    hours = draw(
        st.lists(
            st.tuples(*map(st.sampled_from, (DATES, "T ", HOURS, OFFSETS))), min_size=1, max_size=3
        )
    )
    texts = []
    for _ in range(draw(st.integers(1, 40))):
        if draw(st.integers(0, 9)) == 0:
            texts.append(draw(st.text(max_size=30)))
            continue
        date, sep, hour, offset = draw(st.sampled_from(hours))
        minute, second = draw(st.sampled_from(SIXTY)), draw(st.sampled_from(SIXTY))
        colons = draw(st.sampled_from([(":", ":"), (":", ""), ("", ":"), (".", ":")]))
        fraction = draw(st.sampled_from(["", "", "", ".5", ".123456"]))
        texts.append(f"{date}{sep}{hour}{colons[0]}{minute}{colons[1]}{second}{fraction}{offset}")
    return texts


def definition(bind: Callable[[datetime], Any], text: str) -> Any:
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        return None
    return bind(found) if found.tzinfo is not None else None


@settings(max_examples=400, deadline=None)
@given(sequences())
def test_sqlite_text_binding_equals_the_definition(texts: list[str]) -> None:
    """The store's own binding (SQLite: naive UTC text): every text of a sequence, read by
    one reader (so hours seen before are not parsed again), as the definition gives it."""
    bind = SQLiteDialect.bind_datetime
    read = time_reader(bind)
    assert [read(t) for t in texts] == [definition(bind, t) for t in texts]


def test_an_hour_seen_before_still_rejects_bad_minutes_and_seconds() -> None:
    bind = SQLiteDialect.bind_datetime
    read = time_reader(bind)
    assert read("2026-09-01T10:00:00+03:00") == "2026-09-01 07:00:00.000000"
    assert read("2026-09-01T10:59:07+03:00") == "2026-09-01 07:59:07.000000"
    for bad in (
        "2026-09-01T10:61:00+03:00",
        "2026-09-01T10:00:60+03:00",
        "2026-09-01T10:5x:00+03:00",
    ):
        assert read(bad) is None, bad
    assert read("2026-09-01T10:00:00+03:30") == "2026-09-01 06:30:00.000000"


@settings(max_examples=200, deadline=None)
@given(sequences())
def test_datetime_binding_equals_the_definition(texts: list[str]) -> None:
    """A store that binds datetimes (PostgreSQL): each text parsed."""
    read = time_reader(lambda found: found)
    assert [read(t) for t in texts] == [definition(lambda f: f, t) for t in texts]
