"""Generate the demo scenario once for the whole tests/scenario package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pasienis.scenario import ScenarioSummary, generate


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScenarioSummary]:
    """Seed 42 at scale 1.0 (the demo size)."""
    out = tmp_path_factory.mktemp("scenario")
    return out, generate(seed=42, scale=1.0, out=out)


@pytest.fixture(scope="session")
def out(scenario: tuple[Path, ScenarioSummary]) -> Path:
    """Output directory of the shared scenario."""
    return scenario[0]


@pytest.fixture(scope="session")
def truth(out: Path) -> dict[str, Any]:
    """Parsed truth.json."""
    return json.loads((out / "truth.json").read_text(encoding="utf-8"))
