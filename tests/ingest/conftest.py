"""A generated scenario (seed 7) shared by the ingest tests, and a helper to count rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pasienis.scenario import generate
from pasienis.store import Store


@pytest.fixture(scope="session")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scenario")
    generate(seed=7, scale=1.0, out=out)
    return out


@pytest.fixture(scope="session")
def truth(scenario_dir: Path) -> dict[str, Any]:
    return json.loads((scenario_dir / "truth.json").read_text(encoding="utf-8"))


def count(store: Store, table: Any, *where: Any) -> int:
    with store.read() as conn:
        return int(
            conn.execute(select(func.count()).select_from(table).where(*where)).scalar() or 0
        )
