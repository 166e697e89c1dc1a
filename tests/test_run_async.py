"""Tests do not depend on the order they run in: a browser test's Playwright session keeps an
event loop running in the main thread, and a later test's ``asyncio.run`` then failed
("asyncio.run() cannot be called from a running event loop"): ``tests/web`` run before
``tests/security`` failed three security tests. Tests call ``run_async`` instead."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.conftest import run_async

TESTS = Path(__file__).parent


def test_run_async_runs_where_a_loop_is_already_running() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def under_a_running_loop() -> int:
        return run_async(answer())  # as after a browser test: this thread's loop is running

    assert run_async(answer()) == 42
    assert asyncio.run(under_a_running_loop()) == 42


def test_no_test_calls_asyncio_run_itself() -> None:
    direct = [
        f"{path.relative_to(TESTS)}:{n}"
        for path in sorted(TESTS.rglob("*.py"))
        if path.name != "conftest.py" or path.parent != TESTS
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\basyncio\.run\(", line) and path != Path(__file__)
    ]
    assert not direct, f"use tests.conftest.run_async: {direct}"
