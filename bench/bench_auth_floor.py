"""Benchmark: the shared per-request floor of the API (issues 16 and 19).

Every authenticated route pays for bearer authentication, the audit entry and the request's
way through FastAPI before it does its own work. Two routes are measured in-process (the app
over Starlette's test client, an SQLite file, the same process and minutes for both):

* the *floor* route of ``bench_graph.py``: ``GET /api/graph/cotravel?limit=1`` (analyst
  token, one small query, an empty answer, one audit entry);
* ``POST /api/tasks`` naming a unit with a device (dispatcher token): the task, its event,
  the assignment, the outbox row and the audit entry — what ``bench_ops_delivery.py`` posts.

Printed per route: process CPU time per request (all threads: the client's and the app's)
p50/p99/mean, and SQL statements per request (counted on the engine). ``--profile`` adds a
cProfile of each route's loop (top functions by cumulative time), which is how the floor's
breakdown in docs/benchmarks.md was found.

Run: ``python bench/bench_auth_floor.py [--requests 400] [--profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


def setup(tmp: Path) -> tuple[Any, Any, str, str, list[str]]:
    """An app on a fresh SQLite store, an analyst's and a dispatcher's token, unit ids."""
    from pasienis.api import create_app
    from pasienis.config import Settings
    from pasienis.model import install_model
    from pasienis.ops import service
    from pasienis.security import Role
    from pasienis.security.provision import provision
    from pasienis.store import open_store, upgrade

    settings = Settings(data_dir=tmp, ops_escalation_interval_s=3600)
    install_model(settings)
    store = open_store(settings)
    upgrade(store)
    units = []
    with store.begin() as conn:
        analyst = provision(conn, name="bench-analyst", roles=[Role.analyst], datasets=["synth"])
        dispatcher = provision(conn, name="bench-dispatcher", roles=[Role.dispatcher])
        for i in range(50):
            unit = service.add_unit(conn, call_sign=f"B{i}")
            units.append(unit["call_sign"])
            secret = "floor-bench-secret"  # noqa: S105 - a throw-away secret of the bench devices
            service.add_device(conn, device_id=f"d{i}", unit_ref=unit["call_sign"], secret=secret)
    return create_app(settings, store=store), store, analyst, dispatcher, units


def measure(
    store: Any, call: Callable[[int], Any], n: int, profile: cProfile.Profile | None
) -> tuple[list[float], list[int]]:
    """CPU per request and SQL statements per request over ``n`` calls."""
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    event.listen(store.engine, "before_cursor_execute", count)
    cpu: list[float] = []
    sql: list[int] = []
    try:
        for i in range(n):
            statements[0] = 0
            t = time.process_time()
            if profile is not None:
                profile.enable()
            r = call(i)
            if profile is not None:
                profile.disable()
            cpu.append(time.process_time() - t)
            sql.append(statements[0])
            assert r.status_code in (200, 201), r.text
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    return cpu, sql


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--profile", action="store_true", help="cProfile each route's loop")
    args, _ = parser.parse_known_args()
    from fastapi.testclient import TestClient

    tmp = Path(tempfile.mkdtemp(prefix="bench-auth-floor-"))
    app, store, analyst, dispatcher, units = setup(tmp)
    with TestClient(app) as c:
        floor = {"Authorization": f"Bearer {analyst}"}
        tasks = {"Authorization": f"Bearer {dispatcher}"}

        def get_floor(_i: int) -> Any:
            return c.get("/api/graph/cotravel", params={"limit": 1}, headers=floor)

        def post_task(i: int) -> Any:
            body = {"lat": 54.7, "lon": 25.3, "category": "bench", "description": f"t{i}",
                    "unit": units[i % len(units)]}  # fmt: skip
            return c.post("/api/tasks", json=body, headers=tasks)

        for call in (get_floor, post_task):  # warm caches (FastAPI, SQLAlchemy, SQLite)
            for i in range(20):
                call(i)
        for name, call in (("floor GET /api/graph/cotravel", get_floor),
                           ("POST /api/tasks", post_task)):  # fmt: skip
            prof = cProfile.Profile() if args.profile else None
            cpu, sql = measure(store, call, args.requests, prof)
            print(f"{name}: CPU per request p50 {_pct(cpu, 50):.2f} ms, p99 {_pct(cpu, 99):.2f}"
                  f" ms, mean {statistics.mean(cpu) * 1000:.2f} ms; SQL statements per request"
                  f" {statistics.mean(sql):.1f} (min {min(sql)}, max {max(sql)})",
                  flush=True)  # fmt: skip
            if prof is not None:
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(45)
                print(out.getvalue())
    store.dispose()


if __name__ == "__main__":
    main()
