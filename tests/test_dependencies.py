"""Every dependency is listed with its licence; none is GPL/AGPL."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DEPS = PYPROJECT["project"]["dependencies"] + [
    d for group in PYPROJECT["project"]["optional-dependencies"].values() for d in group
]
NAMES = sorted({re.split(r"[<>=\[ ;]", d)[0].lower() for d in DEPS})


@pytest.mark.parametrize("name", NAMES)
def test_dependency_is_listed_and_not_copyleft(name: str) -> None:
    doc = (ROOT / "docs" / "dependencies.md").read_text(encoding="utf-8").lower()
    assert f"| {name} |" in doc, f"{name} missing from docs/dependencies.md"
    meta = metadata(name)
    texts = [meta.get("License-Expression") or "", meta.get("License") or ""]
    texts += [c for c in meta.get_all("Classifier") or [] if c.startswith("License")]
    licence = " ".join(texts)
    strong = re.search(r"(?<![L])(A?GPL|General Public License)", licence)
    lesser = "LGPL" in licence or "Lesser" in licence
    assert not strong or lesser, f"{name} is copyleft: {licence[:120]}"
