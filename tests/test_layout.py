"""The test tree stays collectable: pytest imports test modules by their file name (there are
no packages under tests/), so two files with one name break whichever worker meets both."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parent


def test_test_module_names_are_unique() -> None:
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    doubled = sorted(name for name, count in names.items() if count > 1)
    assert not doubled, f"rename one of each: {doubled}"
