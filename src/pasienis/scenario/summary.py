"""The result object returned by ``generate`` (what the CLI prints and logs)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class ScenarioSummary:
    """Counts per output and the files written (paths relative to the output directory)."""

    seed: int
    scale: float
    out: str
    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict."""
        return asdict(self)
