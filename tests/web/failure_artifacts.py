"""What a failed browser test leaves behind: a screenshot of every open page and the pages'
console, under tests/artifacts/failures/<test>/ (not committed), so a flake that does not come
back when run alone can still be read afterwards."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

FAILURES = Path(__file__).parents[1] / "artifacts" / "failures"


class ConsoleLog:
    """Console messages and uncaught errors of every context a browser opens, by context.

    Wraps ``browser.new_context`` and ``browser.new_page`` (a page in a context of its own)
    so each test's own contexts are recorded without each test registering listeners."""

    def __init__(self, browser: Any) -> None:
        self.lines: dict[Any, list[str]] = {}
        new_context, new_page = browser.new_context, browser.new_page

        def recorded_context(*args: Any, **kwargs: Any) -> Any:
            context = new_context(*args, **kwargs)
            self.watch(context)
            return context

        def recorded_page(*args: Any, **kwargs: Any) -> Any:
            page = new_page(*args, **kwargs)
            self.watch(page.context)
            return page

        browser.new_context, browser.new_page = recorded_context, recorded_page

    def watch(self, context: Any) -> None:
        lines = self.lines.setdefault(context, [])
        context.on("console", lambda m: lines.append(f"{m.type}: {m.text} ({_where(m)})"))
        context.on("weberror", lambda e: lines.append(f"uncaught: {e.error}"))
        context.on("close", lambda c: self.lines.pop(c, None))


def _where(message: Any) -> str:
    location = message.location or {}
    return f"{location.get('url', '')}:{location.get('lineNumber', '')}"


def save(browser: Any, log: ConsoleLog, nodeid: str, phase: str) -> Path:
    """Screenshot and console of each page still open when ``nodeid`` failed in ``phase``."""
    folder = FAILURES / re.sub(r"[^\w.-]+", "_", nodeid).strip("_")
    folder.mkdir(parents=True, exist_ok=True)
    notes = [f"{nodeid} failed in {phase}"]
    for c, context in enumerate(browser.contexts):
        for p, page in enumerate(context.pages):
            name = f"context{c}-page{p}"
            notes.append(f"{name}: {page.url}")
            try:  # a page stuck in a dialog or a busy loop must not hang the report
                page.screenshot(path=str(folder / f"{name}.png"), timeout=5000)
            except Exception as exc:  # the test's own failure is what gets reported
                notes.append(f"{name}: no screenshot ({exc})")
        console = log.lines.get(context, [])
        (folder / f"context{c}-console.log").write_text("\n".join(console) + "\n")
    (folder / "pages.txt").write_text("\n".join(notes) + "\n")
    return folder
