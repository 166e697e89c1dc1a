"""Recurring tasks: local wall time across DST, planning against shifts, conflicts, idempotent
materialisation, and the API's answers to bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.ops import service
from pasienis.ops.effects import Effects
from pasienis.ops.models import tasks
from pasienis.planning.schedules import (
    add_schedule,
    add_shift,
    materialise,
    occurrences_of,
    plan_window,
)
from pasienis.security import Role
from pasienis.security.provision import provision
from pasienis.store import Store

NOW = datetime(2026, 3, 20, tzinfo=UTC)
WATCH = {
    "title": "Checkpoint watch Medininkai", "lat": 54.54, "lon": 25.65,
    "weekdays": list(range(7)), "start_local": "22:00", "minutes": 240,
}  # fmt: skip


def test_occurrences_keep_local_time_across_daylight_saving() -> None:
    schedule = {**WATCH, "valid_from": NOW, "valid_until": None}
    found = occurrences_of(
        schedule, datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)
    )
    starts = [a for a, _ in found]
    assert datetime(2026, 3, 28, 20, tzinfo=UTC) in starts  # 22:00 at UTC+2
    assert datetime(2026, 3, 29, 19, tzinfo=UTC) in starts  # 22:00 at UTC+3 (summer time)
    assert all(b - a == timedelta(hours=4) for a, b in found), "runs past midnight"


def test_weekdays_and_validity_limit_the_occurrences() -> None:
    schedule = {
        **WATCH,
        "weekdays": [0],
        "valid_from": NOW,
        "valid_until": datetime(2026, 4, 7, tzinfo=UTC),
    }
    found = occurrences_of(schedule, NOW, NOW + timedelta(days=30))
    assert [a.astimezone(UTC).date().isoformat() for a, _ in found] == [
        "2026-03-23",
        "2026-03-30",
        "2026-04-06",
    ]


def _units(store: Store) -> None:
    with store.begin() as conn:
        service.add_unit(conn, call_sign="ALFA-1", crew=[])
        service.add_unit(conn, call_sign="BRAVO-2", crew=[])


def test_planning_against_shifts_shows_conflicts(store: Store) -> None:
    _units(store)
    day = datetime(2026, 3, 23, tzinfo=UTC)  # a Monday
    with store.begin() as conn:
        add_shift(
            conn,
            unit="ALFA-1",
            starts_at=day + timedelta(hours=18),
            ends_at=day + timedelta(hours=26),
        )
        add_schedule(conn, data={**WATCH, "weekdays": [0]}, actor="t", now=NOW)
        add_schedule(
            conn, data={**WATCH, "title": "Second watch", "weekdays": [0]}, actor="t", now=NOW
        )
        fixed = {**WATCH, "title": "Fixed BRAVO", "weekdays": [0], "unit": "BRAVO-2"}
        add_schedule(conn, data=fixed, actor="t", now=NOW)
        planned = {o.title: o for o in plan_window(conn, start=day, end=day + timedelta(days=1))}
    alfa = service_unit_id(store, "ALFA-1")
    # One unit on shift for two overlapping watches: one is planned, the other is a conflict.
    watches = [planned["Checkpoint watch Medininkai"], planned["Second watch"]]
    assert sorted((o.unit_id or "") for o in watches) == ["", alfa]
    assert sorted(o.conflicts for o in watches) == [(), ("no unit is on shift and free then",)]
    assert "the unit is not on shift then" in planned["Fixed BRAVO"].conflicts


def service_unit_id(store: Store, call_sign: str) -> str:
    with store.read() as conn:
        return service.get_unit(conn, ref=call_sign)["id"]


def test_materialise_makes_each_task_once(store: Store) -> None:
    _units(store)
    day = datetime(2026, 3, 23, tzinfo=UTC)
    with store.begin() as conn:
        for unit in ("ALFA-1", "BRAVO-2"):
            add_shift(conn, unit=unit, starts_at=day, ends_at=day + timedelta(days=3))
        add_schedule(conn, data={**WATCH, "weekdays": [0, 1]}, actor="t", now=NOW)
    window = {"start": day, "end": day + timedelta(days=2)}
    with store.begin() as conn:
        first = materialise(conn, **window, actor="t", now=NOW, effects=Effects())
    with store.begin() as conn:
        second = materialise(conn, **window, actor="t", now=NOW, effects=Effects())
        made = conn.execute(select(func.count()).select_from(tasks)).scalar_one()
        statuses = set(conn.execute(select(tasks.c.status)).scalars())
    assert [o.task_id is not None for o in first] == [True, True]
    assert [o.task_id for o in second] == [o.task_id for o in first]
    assert made == 2
    assert statuses == {"assigned"}


def test_api_bad_input_is_a_clear_4xx(store: Store, base_settings: Settings) -> None:
    with store.begin() as conn:
        token = provision(conn, name="dis", roles=[Role.dispatcher])
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(
        create_app(base_settings, store=store), base_url="https://testserver"
    ) as client:
        bad_time = client.post(
            "/api/planning/schedules", headers=auth, json={**WATCH, "start_local": "25:00"}
        )
        assert bad_time.status_code == 422
        assert "time of day" in bad_time.text
        no_days = client.post(
            "/api/planning/schedules", headers=auth, json={**WATCH, "weekdays": [9]}
        )
        assert no_days.status_code == 422
        far = {"start": "2026-01-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"}
        long = client.get("/api/planning/occurrences", headers=auth, params=far)
        assert long.status_code == 422
        assert "62 days" in long.text
        made = client.post("/api/planning/schedules", headers=auth, json=WATCH)
        assert made.status_code == 201, made.text
        near = {"start": "2026-12-01T00:00:00Z", "end": "2026-12-03T00:00:00Z"}
        listed = client.get("/api/planning/occurrences", headers=auth, params=near)
        assert listed.status_code == 200
        assert all(o["conflicts"] == ["no unit is on shift and free then"] for o in listed.json())
