"""Violation analyses through the API and CLI: compartments, formats, clear 4xx on bad input."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.model.events import violations
from pasienis.security import Role
from pasienis.security.compartments import register_dataset
from pasienis.security.provision import provision
from pasienis.store import Store

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _rows(dataset: str, lat: float, lon: float, n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [
        {
            "id": f"{dataset}-{i}",
            "occurred_at": T0 + timedelta(hours=int(h)),
            "lat": float(a),
            "lon": float(b),
            "dataset": dataset,
            "category": "cigarettes" if i % 3 else "fuel",
            "found_by": "VMU-01",
            "value_eur": 100.0,
        }
        for i, (a, b, h) in enumerate(
            zip(
                rng.normal(lat, 0.01, n),
                rng.normal(lon, 0.015, n),
                rng.uniform(0, 24 * 200, n),
                strict=True,
            )
        )
    ]


@pytest.fixture
def world(store: Store, base_settings: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with store.begin() as conn:
        conn.execute(
            violations.insert(),
            _rows("east", 54.30, 25.20, 300, 1) + _rows("west", 54.80, 22.80, 200, 2),
        )
        for name in ("east", "west"):
            register_dataset(conn, name=name)
        tokens = {
            "east": provision(conn, name="dis", roles=[Role.dispatcher], datasets=["east"]),
            "west": provision(conn, name="ana", roles=[Role.analyst], datasets=["west"]),
            "field": provision(conn, name="fo", roles=[Role.field_officer], datasets=["*"]),
        }
    with TestClient(
        create_app(base_settings, store=store), base_url="https://testserver"
    ) as client:
        yield client, tokens


def get(client: TestClient, token: str, path: str):  # type: ignore[no-untyped-def]
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def test_each_reader_analyses_only_their_datasets(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    east = get(client, tokens["east"], "/api/violations/analysis/hexbin").json()
    west = get(client, tokens["west"], "/api/violations/analysis/hexbin").json()
    assert east["summary"]["violations"] == 300
    assert west["summary"]["violations"] == 200
    import h3

    assert all(h3.cell_to_latlng(r["cell"])[1] > 24 for r in east["rows"])
    assert all(h3.cell_to_latlng(r["cell"])[1] < 24 for r in west["rows"])


def test_field_officers_may_not_analyse(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    assert get(client, tokens["field"], "/api/violations/analysis/hexbin").status_code == 403


def test_hotspots_as_geojson_csv_and_pdf(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    geo = get(client, tokens["east"], "/api/violations/analysis/hotspots?format=geojson")
    assert geo.status_code == 200
    features = geo.json()["features"]
    assert any(f["properties"]["kind"] == "hot" for f in features)
    assert features[0]["geometry"]["type"] == "Polygon"
    csv_text = get(client, tokens["east"], "/api/violations/analysis/hotspots?format=csv").text
    assert csv_text.splitlines()[0].startswith("cell,count,z,confidence,kind")
    pdf = get(client, tokens["east"], "/api/violations/analysis/hotspots?format=pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Violations: hotspots" in text


def test_filters_and_time_patterns(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    fuel = get(client, tokens["east"], "/api/violations/analysis/hexbin?category=fuel").json()
    assert fuel["summary"]["violations"] == 100
    hours = get(client, tokens["east"], "/api/violations/analysis/hours").json()
    assert sum(r["count"] for r in hours["rows"]) == 300
    assert len(hours["rows"]) == 7 * 24
    months = get(client, tokens["east"], "/api/violations/analysis/months").json()
    assert sum(r["count"] for r in months["rows"]) == 300


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("/api/violations/analysis/kde?bandwidth_m=0", 422, "bandwidth"),
        ("/api/violations/analysis/hexbin?since=2030-01-01T00:00:00Z", 422, "no violations"),
        (
            "/api/violations/analysis/hexbin?since=2026-05-01T00:00:00Z&until=2026-01-01T00:00:00Z",
            422,
            "empty period",
        ),
        ("/api/violations/analysis/nonsense", 422, "unknown analysis"),
        ("/api/violations/analysis/hexbin?res=99", 422, ""),
        ("/api/violations/analysis/kde?format=csv", 422, "density grid"),
    ],
)
def test_bad_input_is_a_clear_4xx(world, query: str, status: int, words: str) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    answer = get(client, tokens["east"], query)
    assert answer.status_code == status, answer.text
    assert words in json.dumps(answer.json())


def test_a_single_violation_gets_a_message_not_a_500(store: Store, base_settings: Settings) -> None:
    with store.begin() as conn:
        conn.execute(violations.insert(), _rows("one", 54.3, 25.2, 1, 3))
        register_dataset(conn, name="one")
        token = provision(conn, name="dis1", roles=[Role.dispatcher], datasets=["one"])
    with TestClient(
        create_app(base_settings, store=store), base_url="https://testserver"
    ) as client:
        answer = get(client, token, "/api/violations/analysis/hotspots")
        assert answer.status_code == 422
        assert "at least two" in json.dumps(answer.json())


def test_compare_two_periods(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens = world
    answer = get(
        client,
        tokens["east"],
        "/api/violations/compare?first_since=2026-01-01T00:00:00Z&first_until=2026-04-01T00:00:00Z"
        "&second_since=2026-04-01T00:00:00Z&second_until=2026-08-01T00:00:00Z",
    ).json()
    assert answer["summary"]["first"] + answer["summary"]["second"] == 300
    assert sum(r["change"] for r in answer["rows"]) == answer["summary"]["change"]
